"""Pulumi resources for the grants Cortex fine-tuning needs (thin layers over the grant cores).

    CortexUserGrant("ml-cortex", role="ML_ENGINEER")
    ModelCreatorGrant("ml-creator", role="ML_ENGINEER", database="CORTEX_DEMO", schema="MODELS")
    ModelUsageGrant("analyst-uses", role="ANALYST", model=model.model)

Import ids: CortexUserGrant `ROLE`, ModelCreatorGrant `ROLE|DB.SCHEMA`, ModelUsageGrant
`ROLE|DB.SCHEMA.MODEL` (names as SQL, quoted where needed: `"My Role"|DB.S`).
"""

from __future__ import annotations

import pulumi

from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.grants import CortexUserGrantCore, ModelUsageGrantCore
from cortex_provider.resources.grants_creator import ModelCreatorGrantCore


class CortexUserGrantProvider(CoreProvider):
    core = CortexUserGrantCore()


class ModelCreatorGrantProvider(CoreProvider):
    core = ModelCreatorGrantCore()


class ModelUsageGrantProvider(CoreProvider):
    core = ModelUsageGrantCore()


class CortexUserGrant(CortexResource):
    """GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE <role> (left in place on delete if it
    pre-existed: `preexisting`)."""

    role: pulumi.Output[str]
    database_role: pulumi.Output[str]
    preexisting: pulumi.Output[bool]

    def __init__(
        self, resource_name: str, role: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {"role": role, "database_role": None, "preexisting": None}
        super().__init__(CortexUserGrantProvider(), resource_name, props, kind_options(opts))


class ModelCreatorGrant(CortexResource):
    """USAGE on the database, USAGE + CREATE MODEL on the schema. `managed_privileges`: those this
    resource granted (and revokes on delete); `missing_privileges`: revoked by hand (refresh)."""

    role: pulumi.Output[str]
    database: pulumi.Output[str]
    schema: pulumi.Output[str]
    managed_privileges: pulumi.Output[list[str]]
    missing_privileges: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        role: pulumi.Input[str],
        database: pulumi.Input[str],
        schema: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "role": role,
            "database": database,
            "schema": schema,
            "managed_privileges": None,
            "missing_privileges": None,
        }
        super().__init__(ModelCreatorGrantProvider(), resource_name, props, kind_options(opts))


class ModelUsageGrant(CortexResource):
    """GRANT USAGE ON MODEL <model> TO ROLE <role>; `model` is DB.SCHEMA.MODEL, or bare with
    `database` and `schema`."""

    role: pulumi.Output[str]
    model: pulumi.Output[str]
    database: pulumi.Output[str]
    schema: pulumi.Output[str]
    preexisting: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        role: pulumi.Input[str],
        model: pulumi.Input[str],
        database: pulumi.Input[str] | None = None,
        schema: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"role": role, "model": model, "database": database, "schema": schema, "preexisting": None}
        super().__init__(ModelUsageGrantProvider(), resource_name, props, kind_options(opts))
