"""Pulumi resources for Cortex access control as of 2026 (thin layers over resources/access):

    AiAccessGrant("analyst-ai", role="ANALYST", functions=["COMPLETE"], base_models=["llama3.1-8b"])
    AiLockdown("ai-lockdown", opts=pulumi.ResourceOptions(depends_on=[analyst_ai]))

Import ids: AiAccessGrant `ROLE`, AiLockdown `LOCKDOWN`.
"""

from __future__ import annotations

import pulumi

from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.access.grants import AiAccessGrantCore
from cortex_provider.resources.access.lockdown import AiLockdownCore


class AiAccessGrantProvider(CoreProvider):
    core = AiAccessGrantCore()


class AiLockdownProvider(CoreProvider):
    core = AiLockdownCore()


class AiAccessGrant(CortexResource):
    """What `role` needs to call AI functions: USE AI FUNCTIONS (`functions: [ALL]`) or USE AI FUNCTION <name>
    each, the database role (AI_FUNCTIONS_USER, or CORTEX_USER for a role that fine-tunes; None when granted
    elsewhere), and a model role per base model. `managed_grants`: what this resource granted (and revokes on
    delete); `missing_grants`: revoked by hand (refresh), granted again by the next up."""

    role: pulumi.Output[str]
    functions: pulumi.Output[list[str]]
    base_models: pulumi.Output[list[str]]
    database_role: pulumi.Output[str | None]
    managed_grants: pulumi.Output[list[str]]
    missing_grants: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        role: pulumi.Input[str],
        functions: pulumi.Input[list[str]] | None = None,
        base_models: pulumi.Input[list[str]] | None = None,
        database_role: pulumi.Input[str] | None = "AI_FUNCTIONS_USER",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"role": role, "functions": functions if functions is not None else ["ALL"],
                 "base_models": base_models or [], "database_role": database_role,
                 "managed_grants": None, "missing_grants": None}
        super().__init__(AiAccessGrantProvider(), resource_name, props, kind_options(opts))


class AiLockdown(CortexResource):
    """USE AI FUNCTIONS off PUBLIC (`ai_functions`) and CORTEX-MODEL-ROLE-ALL off SNOWFLAKE.PUBLIC (`models`);
    destroy gives back what it took (`revoked_defaults`); `restored_defaults`: granted back by hand."""

    ai_functions: pulumi.Output[bool]
    models: pulumi.Output[bool]
    revoked_defaults: pulumi.Output[list[str]]
    restored_defaults: pulumi.Output[list[str]]

    def __init__(self, resource_name: str, ai_functions: pulumi.Input[bool] = True, models: pulumi.Input[bool] = True,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"ai_functions": ai_functions, "models": models, "revoked_defaults": None,
                 "restored_defaults": None}
        super().__init__(AiLockdownProvider(), resource_name, props, kind_options(opts))
