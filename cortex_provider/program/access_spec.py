"""The `ai_access` section's entries and their checks (access.py builds them; its docstring tells the
section's meaning, with the Snowflake pages it follows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CALL_FUNCTIONS = ("ALL", "COMPLETE")  # either lets a usage role run SNOWFLAKE.CORTEX.COMPLETE on its model


class AiRoleAccess(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    functions: list[str] = Field(default_factory=lambda: ["ALL"],
                                 description="AI functions (USE AI FUNCTION <name> each), or [ALL]: USE AI FUNCTIONS")
    base_models: list[str] = Field(default_factory=list,
                                   description="base models (their CORTEX-MODEL-ROLE-<MODEL>), or [ALL]")
    database_role: Literal["CORTEX_USER", "AI_FUNCTIONS_USER"] | None = Field(
        default=None, description="default: CORTEX_USER for a role under access.model_creators, else AI_FUNCTIONS_USER")


class AiAccessSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lockdown: bool = Field(default=False, description="take Snowflake's defaults away: USE AI FUNCTIONS from "
                           "PUBLIC and CORTEX-MODEL-ROLE-ALL from SNOWFLAKE.PUBLIC (destroy gives them back)")
    roles: list[AiRoleAccess] = Field(default_factory=list)


def usage_roles(role_lists: Iterable[list[str]]) -> list[str]:
    """The usage roles of the stack's models and releases, each once, in order of first mention."""
    roles = [r for roles in role_lists for r in roles]
    return sorted(set(roles), key=roles.index)


def check_ai_access(ai_access: AiAccessSpec, model_creators: list[str], usage: list[str]) -> None:
    """Refuse a declaration that leaves a role the stack trains with (`model_creators`) or serves (`usage`,
    usage_roles()) unable to do it."""
    names = [r.role for r in ai_access.roles]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"ai_access.roles: {dupes} listed twice; give each role one entry")
    for i, r in enumerate(ai_access.roles):
        if r.role in model_creators and r.database_role == "AI_FUNCTIONS_USER":
            raise ValueError(f"ai_access.roles[{i}].database_role: {r.role} creates models (access.model_creators) "
                             "and AI_FUNCTIONS_USER does not allow fine-tuning; use CORTEX_USER (or leave it out)")
        if ai_access.lockdown and r.role in usage and not set(r.functions) & set(CALL_FUNCTIONS):
            raise ValueError(f"ai_access.roles[{i}].functions: {r.role} is a usage role of a model, and under "
                             "lockdown it needs COMPLETE (or ALL) to call it; add COMPLETE")
