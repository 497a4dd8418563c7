"""A complete small Pulumi program on cortex_provider's Python API (not the YAML `cortex:spec`).

Connection: the stack config `cortex:*` (or connections.toml / SNOWFLAKE_* env), as for the main program.
By default it trains on the demo table README command (1) seeds on the emulator,
CORTEX_DEMO.RAW.SUPPORT_NOTES (NOTE, LABEL_JSON), into CORTEX_DEMO.MODELS beside the `local` stack's
objects (its own names: view SUPPORT_RELEASE_TRAIN, versions SUPPORT_V1.., endpoint SUPPORT).
Config (all optional): `database`, `schema`, `table`, `prompt`, `completion` (column expressions),
`app_role`, `serving` (pin a version: rollback).
"""

from __future__ import annotations

import pulumi

import cortex_provider as cortex

cfg = pulumi.Config()
database = cfg.get("database") or "CORTEX_DEMO"
schema = cfg.get("schema") or "MODELS"
table = cfg.get("table") or "CORTEX_DEMO.RAW.SUPPORT_NOTES"
prompt = cfg.get("prompt") or "'Extract the condition from: ' || NOTE"
completion = cfg.get("completion") or "LABEL_JSON"
app_role = cfg.get("app_role") or "ANALYST"

creator = cortex.ModelCreatorGrant("trainer", role="SYSADMIN", database=database, schema=schema)
user = cortex.CortexUserGrant("app-cortex-user", role=app_role)

view = cortex.TrainingView(
    "support-train", database=database, schema=schema, name="SUPPORT_RELEASE_TRAIN",
    source=table, prompt_expr=prompt, completion_expr=completion, where=f"{completion} IS NOT NULL",
    opts=pulumi.ResourceOptions(depends_on=[creator]),
)

# One model, versioned: any change to what it is trained from trains the next version (SUPPORT_V2, ...);
# applications always call CORTEX_DEMO.MODELS.SUPPORT(prompt), which serves the pinned or latest passing version.
release = cortex.ModelRelease(
    "support",
    name="SUPPORT", database=database, schema_name=schema,
    base_model="llama3.1-8b",
    training_query=view.training_query,
    options={"max_epochs": 1},
    serving=cfg.get("serving"),
    keep=3,
    usage_roles=[app_role],
    opts=pulumi.ResourceOptions(depends_on=[view, user]),
)

pulumi.export("endpoint", release.endpoint)
pulumi.export("serving_version", release.serving_version)
pulumi.export("serving_model", release.serving_model)
pulumi.export("versions", release.versions)
