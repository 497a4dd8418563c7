"""release_plan (what preview --diff shows for a ModelRelease): pure, with the SQL reads faked."""

from __future__ import annotations

from typing import Any

from cortex_provider.resources.finetune.plan import Measured
from cortex_provider.resources.release import ModelReleaseSpec
from cortex_provider.resources.release.found import Found
from cortex_provider.resources.release.plan import PLAN_KEY, LiveRelease, release_plan

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
    plan = release_plan(old, spec(gate={"eval_query": Q, "metric": "exact_match"}),
                        lambda s: LiveRelease([1, 2], "V2", train=3), measure)
    assert plan == {"train": "V3", "adopt": None, "rows": 10, "estimated_trained_tokens": 1234,
                    "serving_before": "V2", "serving_after": "V3", "gated": True, "drops": [], "adopted": []}


def test_rollback_plans_no_training() -> None:
    old = spec().model_dump(mode="json")
    plan = release_plan(old, spec(serving="V1"), lambda s: LiveRelease([1, 2], "V2", train=3),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None
    assert (plan["train"], plan["serving_before"], plan["serving_after"], plan["gated"]) == (None, "V2", "V1", False)


def test_unchanged_inputs_carry_the_old_plan_without_sql() -> None:
    old = {**spec().model_dump(mode="json"), PLAN_KEY: {"train": "V1"}}

    def no_sql(s: ModelReleaseSpec) -> LiveRelease:
        raise AssertionError("no SQL for a no-op")

    assert release_plan(old, spec(), no_sql, measure) == {"train": "V1"}
    assert release_plan(spec().model_dump(mode="json"), spec(), no_sql, measure) is None


def test_first_release_plans_v1() -> None:
    plan = release_plan({}, spec(), lambda s: LiveRelease([], None, train=1), measure)
    assert plan is not None and (plan["train"], plan["serving_before"], plan["serving_after"]) == ("V1", None, "V1")


def test_a_version_trained_but_not_promoted_is_adopted_at_no_cost() -> None:
    """After a failed gate V3 exists, trained from this spec, and V2 still serves: up adopts V3."""
    old = spec(options={"max_epochs": 1}).model_dump(mode="json")
    plan = release_plan(old, spec(gate={"eval_query": Q, "metric": "exact_match"}),
                        lambda s: LiveRelease([1, 2, 3], "V2", adopt=3),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None
    assert (plan["train"], plan["adopt"], plan["estimated_trained_tokens"], plan["serving_after"], plan["gated"]) \
        == (None, "V3", 0, "V3", True)


def test_a_keep_change_lists_the_versions_it_drops() -> None:
    old = spec(keep=3).model_dump(mode="json")
    plan = release_plan(old, spec(keep=1), lambda s: LiveRelease([1, 2, 3], "V3", train=4),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None and plan["drops"] == ["V1", "V2"] and plan["train"] is None
    retrain = release_plan(old, spec(keep=2, options={"max_epochs": 3}),
                           lambda s: LiveRelease([1, 2, 3], "V3", train=4), lambda q, b, e, a: Measured(10, 1234, "x"))
    assert retrain is not None and (retrain["train"], retrain["drops"]) == ("V4", ["V1", "V2"])


def test_keep_zero_drops_nothing() -> None:
    old = spec(keep=3).model_dump(mode="json")
    plan = release_plan(old, spec(keep=0), lambda s: LiveRelease([1, 2, 3, 4, 5], "V5", train=6),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None and plan["drops"] == []


def test_a_keep_change_after_a_failed_gate_keeps_the_serving_version_serving() -> None:
    old = spec(keep=3).model_dump(mode="json")
    plan = release_plan(old, spec(keep=2), lambda s: LiveRelease([1, 2, 3], "V2", adopt=3),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None and (plan["serving_after"], plan["adopt"], plan["drops"]) == ("V2", None, [])


def test_a_keep_change_never_drops_a_version_the_stack_adopted() -> None:
    old = {**spec(keep=3).model_dump(mode="json"), PLAN_KEY: {"adopted": ["V1"]}}  # carried from the create
    plan = release_plan(old, spec(keep=1), lambda s: LiveRelease([1, 2, 3], "V3", train=4),
                        lambda *a: (_ for _ in ()).throw(AssertionError("measured")))
    assert plan is not None and plan["drops"] == ["V2"] and plan["adopted"] == ["V1"]


def test_create_over_versions_whose_next_job_still_runs_adopts_it_at_no_cost() -> None:
    """State lost (or a new machine) while V2's job from this spec still runs: `up` adopts the job."""
    found = Found([{"version": "V1", "model": "DB.S.SUP_V1", "digest": None, "origin": "created"}], [], "created", "V1")
    plan = release_plan({}, spec(keep=1), lambda s: LiveRelease([1], "V1", train=2, found=found,
                                                                found_next_running="created"), measure)
    assert plan is not None
    assert (plan["adopt"], plan["train"], plan["estimated_trained_tokens"]) == ("V2", None, 0), plan
    assert (plan["serving_after"], plan["drops"]) == ("V2", ["V1"])
