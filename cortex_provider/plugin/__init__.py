"""`pulumi-resource-cortex`: the resources of cortex_provider as a Pulumi provider plugin with a schema.

Same reconcile cores as the Python dynamic resources (cortex_provider/resources), reached through the
same per-kind adapters (cortex_provider/pulumi); usable from any Pulumi language, `pulumi import`-able.
- kinds.py     type tokens -> adapter, resource class, import id
- schema.py    the package schema, derived from the specs (plugin/schema.json is its committed copy)
- values.py    wire values <-> the cores' dicts (camelCase <-> snake_case, unknowns, secrets)
- provider.py  Configure/Check/Diff/Create/Read/Update/Delete, custom timeouts
- server.py    the gRPC server the engine talks to
"""
