"""release_plan (what preview --diff shows for a ModelRelease): pure, with the SQL reads faked."""

from __future__ import annotations

from typing import Any

from cortex_provider.resources.finetune_plan import Measured
from cortex_provider.resources.release import ModelReleaseSpec
from cortex_provider.resources.release.plan import PLAN_KEY, release_plan

Q = "SELECT prompt, completion FROM DB.S.TRAIN"


def spec(**over: Any) -> ModelReleaseSpec:
    data: dict[str, Any] = {"name": "DB.S.SUP", "base_model": "llama3.1-8b", "training_query": Q,
                            "options": {"max_epochs": 2}}
    data.update(over)
    return ModelReleaseSpec.model_validate(data)


def measure(query: str, base: str, epochs: int | None, auto_split: bool) -> Measured:
    assert (query, base, epochs) == (Q, "llama3.1-8b", 2)
    return Measured(10, 1234, "SNOWFLAKE.CORTEX.COUNT_TOKENS")


def test_retrain_plans_next_version_with_cost_and_serving_before_after() -> None:
    old = spec(options={"max_epochs": 1}).model_dump(mode="json")
    plan = release_plan(old, spec(gate={"eval_query": Q, "metric": "exact_match"}), lambda s: (2, "V2"), measure)
    assert plan == {"train": "V3", "rows": 10, "estimated_trained_tokens": 1234, "serving_before": "V2",
                    "serving_after": "V3", "gated": True}


def test_rollback_plans_no_training() -> None:
    old = spec().model_dump(mode="json")
    plan = release_plan(old, spec(serving="V1"), lambda s: (2, "V2"),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None
    assert (plan["train"], plan["serving_before"], plan["serving_after"], plan["gated"]) == (None, "V2", "V1", False)


def test_unchanged_inputs_carry_the_old_plan_without_sql() -> None:
    old = {**spec().model_dump(mode="json"), PLAN_KEY: {"train": "V1"}}

    def no_sql(s: ModelReleaseSpec) -> tuple[int, str | None]:
        raise AssertionError("no SQL for a no-op")

    assert release_plan(old, spec(), no_sql, measure) == {"train": "V1"}
    assert release_plan(spec().model_dump(mode="json"), spec(), no_sql, measure) is None


def test_first_release_plans_v1() -> None:
    plan = release_plan({}, spec(), lambda s: (0, None), measure)
    assert plan is not None and (plan["train"], plan["serving_before"], plan["serving_after"]) == ("V1", None, "V1")
