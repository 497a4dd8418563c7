"""The release plan predicts what `up` does, on the real Pulumi engine (stub emulator).

- After a gate failed, the trained version exists but does not serve. The next preview used to plan a
  new version with its cost (`train: V3`, N tokens) while `up` adopted the existing one and trained
  nothing; now it plans `adopt: V2` at 0 tokens, and `up` does exactly that.
- A `keep` change lists the versions it drops (`keep: 3 => 1` alone said nothing about paid models);
  `up` then drops exactly those.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.support import skip_after_failure
from tests.e2e.test_releases import HELDOUT, Suite, release_suite

V1, V2 = "DB.S.SUP_V1", "DB.S.SUP_V2"
GATE = {"eval_query": HELDOUT, "metric": "exact_match", "threshold": 0.5}


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with release_suite(tmp_path_factory.mktemp("release-plans")) as s:
        yield s


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "release plans")


def _creates(suite: Suite) -> int:
    return len(suite.proj.statements("FINETUNE('CREATE'"))


def _versions(suite: Suite) -> list[str]:
    return sorted(r[1] for r in suite.proj.conn.cursor().execute("SHOW MODELS IN SCHEMA DB.S"))


def test_after_a_failed_gate_the_plan_adopts_the_trained_version_at_no_cost(suite: Suite) -> None:
    suite.release()
    suite.run("up")
    suite.heldout(V1)  # V1's answers are expected: V2 fails the gate
    suite.release(options={"max_epochs": 2}, gate=GATE)
    failed = suite.run("up", ok=False)
    assert "gate FAILED for V2" in failed.stdout and _creates(suite) == 2

    suite.heldout(V2)
    preview = suite.run("preview", diff=True)
    plan = preview.step("support").new_inputs["release_plan"]
    assert (plan["train"], plan["adopt"], plan["estimated_trained_tokens"]) == (None, "V2", 0), plan
    assert (plan["serving_before"], plan["serving_after"], plan["gated"]) == ("V1", "V2", True)

    up = suite.run("up")
    assert _creates(suite) == 2  # adopted, as planned: nothing trained
    assert (up.outputs["serving"], up.outputs["latest"]) == ("V2", "V2")


def test_a_keep_change_lists_the_versions_it_drops_and_up_drops_exactly_those(suite: Suite) -> None:
    suite.release(options={"max_epochs": 3})  # trains V3 (no gate)
    assert suite.run("up").outputs["serving"] == "V3"
    assert _versions(suite) == ["SUP_V1", "SUP_V2", "SUP_V3"]

    suite.release(options={"max_epochs": 3}, keep=1)
    plan = suite.run("preview", diff=True).step("support").new_inputs["release_plan"]
    assert plan["drops"] == ["V1", "V2"] and plan["train"] is None, plan
    suite.run("up")
    assert _versions(suite) == ["SUP_V3"]
