"""`ai_access` in `cortex:spec`: who may call Cortex AI functions and which base models (Snowflake's 2026 model,
https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access and
https://docs.snowflake.com/en/user-guide/snowflake-cortex/governance-and-availability/model-access-control):

    ai_access:
      lockdown: true                 # USE AI FUNCTIONS off PUBLIC, CORTEX-MODEL-ROLE-ALL off SNOWFLAKE.PUBLIC
      roles:
        - role: ANALYST
          functions: [AI_COMPLETE, COMPLETE]   # or [ALL] (default): USE AI FUNCTIONS
          base_models: [llama3.1-8b]           # model roles; [ALL]: CORTEX-MODEL-ROLE-ALL
          database_role: AI_FUNCTIONS_USER     # default; CORTEX_USER for a role that fine-tunes

Every role the stack lets train or call a model ends up with what it needs: a role under
`access.model_creators` gets CORTEX_USER (AI_FUNCTIONS_USER does not allow fine-tuning: refused here), and
under lockdown a model's usage role that is not listed gets USE AI FUNCTION COMPLETE and AI_FUNCTIONS_USER.
A role also under `access.cortex_users` keeps its CORTEX_USER from there (one grant, one resource).
Order: the role grants, then the lockdown (no role loses access between the two).
"""

from __future__ import annotations

import pulumi

from cortex_provider.program.access_spec import AiRoleAccess, usage_roles
from cortex_provider.program.registered import Registered, slug
from cortex_provider.program.spec import StackSpec
from cortex_provider.pulumi.access import AiAccessGrant, AiLockdown
from cortex_provider.review import access_rules


def _usage_roles(spec: StackSpec) -> list[str]:
    """Roles the stack lets call one of its models."""
    return usage_roles([*(m.usage_roles for m in spec.models), *(x.usage_roles for x in spec.releases)])


def _database_role(spec: StackSpec, r: AiRoleAccess) -> str | None:
    if r.role in spec.access.cortex_users:
        return None  # CortexUserGrant holds it
    if r.database_role is not None:
        return r.database_role
    return "CORTEX_USER" if r.role in spec.access.model_creators else "AI_FUNCTIONS_USER"


def build_ai_access(spec: StackSpec, out: Registered) -> None:
    """One AiAccessGrant per declared role (and per unlisted usage role under lockdown), then the lockdown."""
    entries = list(spec.ai_access.roles)
    if spec.ai_access.lockdown:
        listed = {r.role for r in entries}
        entries += [AiRoleAccess(role=role, functions=["COMPLETE"])
                    for role in _usage_roles(spec) if role not in listed]
    grants = [
        AiAccessGrant(f"ai-access-{slug(r.role)}", role=r.role, functions=list(r.functions),
                      base_models=list(r.base_models), database_role=_database_role(spec, r),
                      opts=pulumi.ResourceOptions(depends_on=list(out.grants)))
        for r in entries
    ]
    out.grants.extend(grants)
    if spec.ai_access.lockdown:
        out.grants.append(AiLockdown("ai-lockdown", opts=pulumi.ResourceOptions(depends_on=list(out.grants))))


def check_deployer_role(stack: str, config: pulumi.Config) -> None:
    """The plan's half of cortex-deployer-not-accountadmin (a policy pack never sees `cortex:role`): a
    production stack (`cortex:productionStacks`, globs) deploying as ACCOUNTADMIN is warned about, or refused
    with `cortex:accountadmin: mandatory`."""
    level = config.get("accountadmin") or "advisory"
    if level not in ("advisory", "mandatory"):
        raise pulumi.RunError(f"cortex:accountadmin = {level!r}: give `advisory` (warn) or `mandatory` (refuse)")
    patterns = config.get_object("productionStacks") or access_rules.PRODUCTION_STACKS
    for message in access_rules.check_deployer(config.get("role"), stack, patterns):
        if level == "mandatory":
            raise pulumi.RunError(f"{message} (cortex:accountadmin: mandatory)")
        pulumi.log.warn(message)
