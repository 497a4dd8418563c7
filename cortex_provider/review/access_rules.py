"""Guardrails for Cortex access control (pure functions; policies.py registers them with the others):

| rule id                         | config key              | default                                   |
|---------------------------------|-------------------------|-------------------------------------------|
| cortex-lockdown-in-production   | production_stacks       | [] (opt in: e.g. ["prod*", "primary"])    |
| cortex-base-models-per-role     | allowed_models_by_role  | {} (no limit); {"ANALYST": ["llama3.1-8b"]} |

and, outside the pack (it reads stack config, which a policy pack never sees), the program's plan check
cortex-deployer-not-accountadmin: `cortex:productionStacks` (default ["prod*", "primary"]),
`cortex:accountadmin: advisory` (warn, the default) or `mandatory` (refuse).

A production stack must take Snowflake's defaults away (an AiLockdown with both halves), so model access is
what the stack declares; an AiAccessGrant gives a role only base models listed for it; and a production stack
does not deploy as ACCOUNTADMIN.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from cortex_provider.review.kinds import is_unknown

LOCKDOWN = "cortex-lockdown-in-production"
MODELS_BY_ROLE = "cortex-base-models-per-role"
DEPLOYER = "cortex-deployer-not-accountadmin"
PRODUCTION_STACKS = ["prod*", "primary"]


def is_production(stack: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(stack, p) for p in patterns)


def check_lockdown(lockdowns: Iterable[Mapping[str, Any]], stack: str, patterns: Iterable[str]) -> list[str]:
    """Stack rule: `lockdowns` are the inputs of the stack's AiLockdown resources."""
    if not is_production(stack, patterns):
        return []
    if any(p.get("ai_functions") is not False and p.get("models") is not False for p in lockdowns):
        return []
    return [f"production stack {stack!r} does not lock model access down: add `ai_access: {{lockdown: true}}` so "
            "only the roles it declares call AI functions and base models"]


def check_models_by_role(props: Mapping[str, Any], allowed: Mapping[str, Iterable[str]]) -> list[str]:
    """Resource rule on an AiAccessGrant: its base models are listed for its role (no mapping: no limit)."""
    role, models = props.get("role"), props.get("base_models")
    if not allowed or not isinstance(role, str) or is_unknown(role) or not isinstance(models, list):
        return []
    listed = {str(m).lower() for m in allowed.get(role.upper(), allowed.get(role, []))}
    extra = [m for m in models if isinstance(m, str) and not is_unknown(m) and m.lower() not in listed]
    if not extra:
        return []
    return [f"role {role} is given base models {extra}, not allowed for it (allowed: {sorted(listed) or 'none'}); "
            "drop them or list them under allowed_models_by_role"]


def check_deployer(role: str | None, stack: str, patterns: Iterable[str]) -> list[str]:
    if role is None or role.strip('"').upper() != "ACCOUNTADMIN" or not is_production(stack, patterns):
        return []
    return [f"production stack {stack!r} deploys as ACCOUNTADMIN: create a deployer role "
            "(`python -m cortex_provider.deployer --stack <stack>`) and set cortex:role to it"]
