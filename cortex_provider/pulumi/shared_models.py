"""The SharedModels Pulumi resource and its dynamic provider (a thin layer over SharedModelsCore).

`share_ref` usually comes from the provider stack's `share:<NAME>` output through a StackReference;
the generic CoreProvider already validates the known inputs of a preview and lets an unknown one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.pulumi.owner import claim_props
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.shared_models import SharedModelsCore

OUTPUTS = ("other_roles", "status", "models", "provider_account")


class SharedModelsProvider(CoreProvider):
    core = SharedModelsCore()


class SharedModels(CortexResource):
    """A database mounted in this (consumer) account from a provider's share, and the roles granted
    IMPORTED PRIVILEGES on it (they may then call COMPLETE on its models, given SNOWFLAKE.CORTEX_USER).

    Its id is the database name. Outputs: database, share_ref (`<revoked>` after a refresh that found the
    share taken away), roles, other_roles (granted by hand, never revoked here), status (AVAILABLE |
    REVOKED), models (DB.SCHEMA.MODEL as mounted here), provider_account and origin (created or adopted).
    """

    database: pulumi.Output[str]
    share_ref: pulumi.Output[str]
    roles: pulumi.Output[list[str]]
    other_roles: pulumi.Output[list[str]]
    status: pulumi.Output[str]
    models: pulumi.Output[list[str]]
    provider_account: pulumi.Output[str]
    origin: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        database: pulumi.Input[str],
        share_ref: pulumi.Input[str],
        roles: pulumi.Input[Sequence[pulumi.Input[str]]] = (),
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`adopt`: take over a mount of this share another stack's record does not name."""
        props: dict[str, Any] = {key: None for key in OUTPUTS}
        props.update(
            database=database,
            share_ref=share_ref,
            roles=list(roles) if isinstance(roles, tuple) else roles,
        )
        props.update(claim_props(resource_name, adopt))
        super().__init__(SharedModelsProvider(), resource_name, props, kind_options(opts))
