"""The release plan announces what `up` does when the spec moves between versions: plan and `up` number
the next version by one rule (release/found.py), so the version the preview says is trained or taken
over is the one `up` trains or takes over, with a rollback pin or without (emulator, stub engine)."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.resources.finetune.plan import Measured
from cortex_provider.resources.release import ModelReleaseCore
from cortex_provider.resources.release.plan import PLAN_KEY, LiveRelease, live_state, release_plan
from tests.resources.finetune_support import Env, make_env
from tests.resources.test_release import release


@pytest.fixture
def env(emulator: Any) -> Env:
    return make_env(emulator)


def _measure(*_: Any) -> Measured:
    return Measured(3, 100, "x")


State = tuple[dict[str, Any], dict[str, Any]]  # (the inputs check left, with the plan; the outputs)


def step(core: ModelReleaseCore, env: Env, inputs: dict[str, Any], before: State | None
         ) -> tuple[dict[str, Any] | None, State, int]:
    """As the provider runs a preview then an `up`: (the plan check computed from the old inputs, the new
    state, FINETUNE CREATEs `up` sent)."""
    old_inputs, olds = before or ({}, None)
    checked = core.check(old_inputs, inputs)
    assert not checked.failures, checked.failures
    spec = core.parse(checked.inputs)
    plan = release_plan(old_inputs, spec, live_state(lambda: env.session), _measure)
    sent = env.creates_in_log()
    out = (core.create(env.session, spec).outputs if olds is None
           else core.update(env.session, "SUP", olds, spec))
    return plan, ({**checked.inputs, PLAN_KEY: plan}, out), env.creates_in_log() - sent


def did(out: dict[str, Any], olds: dict[str, Any], trained: int) -> tuple[str | None, str | None, int]:
    """(train, adopt, trained tokens announced) as the plan spells them, read from what `up` did: the
    version it trained, or the one it serves this spec from at no cost."""
    held = {v["version"] for v in olds["versions"]}
    if trained:
        return next(v["version"] for v in out["versions"] if v["version"] not in held), None, 100
    digest = ModelReleaseCore().parse(out).digest
    return None, next(v["version"] for v in reversed(out["versions"]) if v["digest"] == digest), 0


@pytest.mark.parametrize("pin", [None, "V2"])
def test_a_spec_moved_back_to_an_older_version_is_planned_as_up_serves_it(env: Env, pin: str | None) -> None:
    """V1, V2, V3 trained from three specs (V2 pinned, or V3 serving); the spec goes back to V1's: `up`
    serves V1 again (pinned: keeps V2 serving) and trains nothing, and the plan says so."""
    core = ModelReleaseCore(env.core)
    _, state, _ = step(core, env, release(), None)
    _, state, _ = step(core, env, release(options={"max_epochs": 2}), state)
    _, state, _ = step(core, env, release(options={"max_epochs": 3}), state)
    if pin:
        _, state, _ = step(core, env, release(options={"max_epochs": 3}, serving=pin), state)
    plan, after, trained = step(core, env, release(options={"max_epochs": 1}, serving=pin), state)
    assert plan is not None and trained == 0
    assert (plan["train"], plan["adopt"], plan["estimated_trained_tokens"]) == did(after[1], state[1], trained)
    assert (plan["train"], plan["adopt"]) == (None, "V1")
    assert plan["serving_after"] == after[1]["serving_version"] == (pin or "V1")
    assert plan["drops"] == [] and [v["version"] for v in after[1]["versions"]] == ["V1", "V2", "V3"]


@pytest.mark.parametrize("pin", [None, "V1"])
def test_a_new_spec_is_trained_under_the_number_the_plan_announced(env: Env, pin: str | None) -> None:
    """Under a pin serving V1 with V2 and V3 held, a new spec trains V4 (after the newest held version,
    not after the serving one), and the plan says V4 with its cost."""
    core = ModelReleaseCore(env.core)
    _, state, _ = step(core, env, release(keep=0), None)
    _, state, _ = step(core, env, release(keep=0, options={"max_epochs": 2}), state)
    _, state, _ = step(core, env, release(keep=0, options={"max_epochs": 3}), state)
    if pin:
        _, state, _ = step(core, env, release(keep=0, options={"max_epochs": 3}, serving=pin), state)
    plan, after, trained = step(core, env, release(keep=0, options={"max_epochs": 4}, serving=pin), state)
    assert plan is not None and trained == 1
    assert (plan["train"], plan["adopt"], plan["estimated_trained_tokens"]) == did(after[1], state[1], trained)
    assert plan["train"] == "V4" and plan["serving_after"] == after[1]["serving_version"] == (pin or "V4")


def _stored(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as Pulumi hands them back from state: keys whose value is None are dropped."""
    return {k: v for k, v in outputs.items() if v is not None}


def test_a_field_set_from_null_is_a_change_and_defaults_absent_from_state_are_not() -> None:
    """State drops null outputs, so `serving`, `gate` or `validation_query` set for the first time used to
    compare against nothing and plan no change (a pin was never applied); fields absent from older state
    compare as their defaults (no change on upgrade)."""
    core = ModelReleaseCore()
    base = release(keep=0, usage_roles=["APP"])
    state = _stored(core.parse(core.check({}, base).inputs).model_dump(mode="json"))
    for over, field in (({"serving": "V1"}, "serving"),
                        ({"gate": {"eval_query": "SELECT 1", "metric": "exact_match"}}, "gate"),
                        ({"validation_query": "SELECT prompt, completion FROM DB.S.VAL"}, "validation_query")):
        assert core.diff("SUP", state, core.check({}, {**base, **over}).inputs).changed == [field]
    assert core.diff("SUP", state, core.check({}, base).inputs).changed == []
    older = {k: v for k, v in state.items() if k not in ("usage_roles", "wait", "retain_on_delete", "gate")}
    assert core.diff("SUP", older, core.check({}, {**base, "usage_roles": []}).inputs).changed == []


def test_the_plan_carries_the_held_versions_and_numbers_after_the_newest() -> None:
    """Pure: the plan reads the versions the last plan left (`version_digests`, "" for an unknown digest),
    asks Snowflake to number from after the newest of them, and leaves the versions `up` will hold."""
    core = ModelReleaseCore()

    def spec_of(epochs: int, **over: Any) -> Any:
        return core.parse(core.check({}, release(options={"max_epochs": epochs}, **over)).inputs)

    held = {"V1": spec_of(1).digest, "V2": "", "V3": spec_of(3).digest}
    olds = {**spec_of(3, serving="V1").model_dump(mode="json"), PLAN_KEY: {"version_digests": held}}
    starts: list[int | None] = []

    def live(spec: Any, start: int | None = None) -> LiveRelease:
        starts.append(start)
        return LiveRelease([1, 2, 3], "V1", train=start)

    back = release_plan(olds, spec_of(1, serving="V1"), live, _measure)
    assert back is not None and (back["train"], back["adopt"], back["estimated_trained_tokens"]) == (None, "V1", 0)
    assert back["version_digests"] == held and back["serving_after"] == "V1"
    new = release_plan(olds, spec_of(4, serving="V1"), live, _measure)
    assert new is not None and (new["train"], new["adopt"]) == ("V4", None) and starts == [4, 4]
    assert new["version_digests"] == {**held, "V4": spec_of(4).digest}
    legacy = {**olds, PLAN_KEY: {"train": "V3"}}  # a plan from before it carried the versions
    old_rule = release_plan(legacy, spec_of(4, serving="V1"), live, _measure)
    assert old_rule is not None and starts[-1] is None and "version_digests" not in old_rule
