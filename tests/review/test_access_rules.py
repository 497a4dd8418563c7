"""The access guardrails: production stacks lock model access down, roles get only the base models listed for
them, production stacks do not deploy as ACCOUNTADMIN; and the PR comment's evaluate() runs the first two."""

from __future__ import annotations

from cortex_provider.review import access_rules as access
from cortex_provider.review.policies import Planned, evaluate

DYNAMIC = "pulumi-python:dynamic:Resource"
LOCKDOWN = {"ai_functions": True, "models": True}


def test_production_stacks_must_lock_down() -> None:
    assert access.check_lockdown([], "prod-eu", access.PRODUCTION_STACKS)
    assert access.check_lockdown([{**LOCKDOWN, "models": False}], "primary", access.PRODUCTION_STACKS)
    assert access.check_lockdown([LOCKDOWN], "primary", access.PRODUCTION_STACKS) == []
    assert access.check_lockdown([], "local", access.PRODUCTION_STACKS) == []
    opted_in = {access.LOCKDOWN: {"production_stacks": ["prod*", "primary"]}}
    found = evaluate([Planned("v", DYNAMIC, {"name": "V", "prompt_expr": "x"})], "primary", opted_in)
    assert [v.rule for v in found] == [access.LOCKDOWN]
    assert evaluate([Planned("ai-lockdown", DYNAMIC, LOCKDOWN)], "primary", opted_in) == []
    assert evaluate([], "primary") == []  # opt-in: no production stacks listed by default


def test_base_models_per_role() -> None:
    grant = {"role": "ANALYST", "functions": ["COMPLETE"], "base_models": ["llama3.1-8b", "mistral-large2"]}
    assert access.check_models_by_role(grant, {}) == []  # no mapping: no limit
    assert "mistral-large2" in access.check_models_by_role(grant, {"ANALYST": ["llama3.1-8b"]})[0]
    assert access.check_models_by_role(grant, {"ANALYST": ["LLAMA3.1-8B", "mistral-large2"]}) == []
    config = {access.MODELS_BY_ROLE: {"allowed_models_by_role": {"ANALYST": []}}}
    found = evaluate([Planned("ai-access-analyst", DYNAMIC, grant)], "local", config)
    assert [v.rule for v in found] == [access.MODELS_BY_ROLE]


def test_deployer_role() -> None:
    assert access.check_deployer("ACCOUNTADMIN", "prod", access.PRODUCTION_STACKS)
    assert access.check_deployer("accountadmin", "primary", access.PRODUCTION_STACKS)
    assert access.check_deployer("CORTEX_DEPLOYER", "prod", access.PRODUCTION_STACKS) == []
    assert access.check_deployer("ACCOUNTADMIN", "local", access.PRODUCTION_STACKS) == []
