"""Layer 3: thin pulumi.dynamic providers and resource classes over the reconcile cores."""
