"""Layer 2: one module per resource kind — a pydantic spec and a pure reconcile core over a Session."""
