"""A complete small Pulumi program on cortex_provider's Python API (not the YAML `cortex:spec`).

Connection: the stack config `cortex:*` (or connections.toml / SNOWFLAKE_* env), as for the main program.
Expects table DB.S.NOTES (note, label) — `scripts/up-local.sh` seeds a demo table on the emulator.
Config (all optional): `database`, `schema`, `table`, `app_role`, `serving` (pin a version: rollback).
"""

from __future__ import annotations

import pulumi

import cortex_provider as cortex

cfg = pulumi.Config()
database = cfg.get("database") or "DB"
schema = cfg.get("schema") or "S"
table = cfg.get("table") or f"{database}.{schema}.NOTES"
app_role = cfg.get("app_role") or "SUPPORT_APP"

creator = cortex.ModelCreatorGrant("trainer", role="SYSADMIN", database=database, schema=schema)
user = cortex.CortexUserGrant("app-cortex-user", role=app_role)

view = cortex.TrainingView(
    "support-train", database=database, schema=schema, name="SUPPORT_TRAIN",
    source=table, prompt_expr="note", completion_expr="label", where="label IS NOT NULL",
    opts=pulumi.ResourceOptions(depends_on=[creator]),
)

# One model, versioned: any change to what it is trained from trains the next version (SUPPORT_V2, ...);
# applications always call DB.S.SUPPORT(prompt), which serves the pinned or latest passing version.
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
