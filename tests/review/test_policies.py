"""The guardrail rules as pure functions over sample stacks' inputs: accepted and rejected."""

from __future__ import annotations

import pytest

from cortex_provider.pulumi.resource_type import LEGACY_TYPE, type_of
from cortex_provider.review import policies as p
from cortex_provider.review.kinds import kind_of
from tests.review.samples import PLAN, good_stack, grants, model, view

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_kinds_are_told_apart_by_input_shape() -> None:
    kinds = {r.name: r.kind for r in good_stack()}
    assert kinds == {"cortex-user": "CortexUserGrant", "model-creator": "ModelCreatorGrant",
                     "model-usage": "ModelUsageGrant", "view": "TrainingView", "model": "FineTunedModel"}
    assert kind_of("aws:s3/bucket:Bucket", {"role": "X"}) is None
    # a model's outputs carry `model` but no `role`: still a model, not a usage grant
    assert kind_of(LEGACY_TYPE, {**model(), "model": "X", "status": "SUCCESS"}) == "FineTunedModel"


def test_a_named_type_is_its_kind_whatever_the_inputs() -> None:
    assert kind_of(type_of("FineTunedModel"), {}) == "FineTunedModel"
    assert kind_of(type_of("ModelShare"), {"role": "X"}) == "ModelShare"  # not told by shape: by name
    assert kind_of(type_of("NoSuchKind"), model()) is None
    assert kind_of("pulumi-python:dynamic:Other", model()) is None


def test_a_good_stack_passes_every_rule() -> None:
    assert p.evaluate(good_stack(), "primary") == []


def test_each_rule_rejects_its_violation() -> None:
    bad = [
        *grants(usage="intern"),
        view(),
        p.Planned("model", LEGACY_TYPE, model(base_model="mixtral-8x7b", validation_query=None,
                                               retain_on_delete=False)),
    ]
    config = {p.BASE_MODELS: {"allowed_base_models": ["llama3.1-8b", "llama3.2-1b"]}}
    found = {(v.rule, v.resource) for v in p.evaluate(bad, "prod-eu", config)}
    assert found == {(p.BASE_MODELS, "model"), (p.VALIDATION, "model"), (p.RETAIN, "model"),
                     (p.ROLES, "model-usage")}


def test_token_limits_per_model_and_per_stack() -> None:
    big = {**PLAN, "estimated_trained_tokens": 120_000_000}
    stack = [p.Planned(f"m{i}", LEGACY_TYPE, model(training_plan=big)) for i in range(5)]
    found = p.evaluate(stack, "dev")
    assert sorted({v.rule for v in found}) == [p.MODEL_TOKENS, p.STACK_TOKENS]
    assert sum(v.rule == p.MODEL_TOKENS for v in found) == 5
    stack_msg = next(v.message for v in found if v.rule == p.STACK_TOKENS)
    assert "600,000,000" in stack_msg and "500,000,000" in stack_msg
    relaxed = {p.MODEL_TOKENS: {"max_trained_tokens": 200_000_000}, p.STACK_TOKENS: {"max_trained_tokens": 10**9}}
    assert p.evaluate(stack, "dev", relaxed) == []


def test_tokens_fall_back_to_the_output_and_unknown_tokens_are_not_judged() -> None:
    outputs = model(training_plan=None, estimated_trained_tokens=2e8)  # numbers cross the wire as floats
    assert p.planned_tokens(outputs) == 200_000_000
    assert p.check_model_tokens(outputs, 100) != []
    unknown = model(training_plan={**PLAN, "rows": None, "estimated_trained_tokens": None})
    assert p.planned_tokens(unknown) is None and p.check_model_tokens(unknown, 0) == []


def test_unknown_values_in_preview_are_not_violations() -> None:
    assert p.check_validation(model(validation_query=UNKNOWN), True) == []
    assert p.check_base_model(model(base_model=UNKNOWN), []) == []
    assert p.check_grant_role({"role": UNKNOWN}, []) == []


@pytest.mark.parametrize(("stack", "production"), [("prod", True), ("prod-eu", True), ("primary", True),
                                                   ("local", False), ("eu", False)])
def test_production_stacks_by_glob(stack: str, production: bool) -> None:
    violations = p.check_retain(model(retain_on_delete=False), stack, ["prod*", "primary"])
    assert bool(violations) is production
    assert p.check_retain(model(retain_on_delete=True), stack, ["prod*", "primary"]) == []


def test_roles_compare_as_snowflake_resolves_them() -> None:
    assert p.check_grant_role({"role": "ml_engineer"}, ["ML_ENGINEER"]) == []
    assert p.check_grant_role({"role": '"ml_engineer"'}, ["ML_ENGINEER"]) != []  # quoted: case kept


def test_config_defaults_and_overrides() -> None:
    assert p.rule_config(p.RETAIN) == {"production_stacks": ["prod*", "primary"]}
    assert p.rule_config(p.ROLES, {"allowed_roles": ["X"], "unrelated": 1}) == {"allowed_roles": ["X"]}
    assert p.stack_of("urn:pulumi:prod-eu::cortex::pulumi-python:dynamic/cortex:FineTunedModel::m") == "prod-eu"
