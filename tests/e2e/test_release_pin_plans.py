"""The release plan numbers versions as `up` does under a rollback pin, on the real Pulumi engine (stub
emulator). With V1 pinned and V2, V3 held, the plan used to number after the serving version: a new spec
was announced as `adopt: V2` at no cost while `up` trained V4, and a spec moved back to an older
version's was announced as a paid training while `up` served that version again. Plan and `up` now
share one rule (release/found.py): the newest held version trained from the spec serves again, else
the next version is numbered after the newest held one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.support import skip_after_failure
from tests.e2e.test_releases import Suite, release_suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with release_suite(tmp_path_factory.mktemp("release-pin-plans")) as s:
        yield s


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "release pin plans")


def _creates(suite: Suite) -> int:
    return len(suite.proj.statements("FINETUNE('CREATE'"))


def _plan(suite: Suite) -> dict[str, Any]:
    return dict(suite.run("preview", diff=True).step("support").new_inputs["release_plan"])


def test_under_a_pin_a_new_spec_trains_the_version_the_plan_announced(suite: Suite) -> None:
    for epochs in (1, 2, 3):
        suite.release(options={"max_epochs": epochs}, keep=0)
        suite.run("up")
    suite.release(options={"max_epochs": 3}, keep=0, serving="V1")
    pinned = suite.run("up")
    assert pinned.outputs["serving"] == "V1", pinned.stdout[-3000:]
    assert _creates(suite) == 3

    suite.release(options={"max_epochs": 4}, keep=0, serving="V1")
    plan = _plan(suite)
    assert (plan["train"], plan["adopt"]) == ("V4", None), plan
    assert plan["estimated_trained_tokens"] > 0 and plan["serving_after"] == "V1"
    up = suite.run("up")
    assert _creates(suite) == 4  # trained V4, as announced
    assert (up.outputs["serving"], up.outputs["latest"]) == ("V1", "V4")


def test_under_a_pin_a_spec_moved_back_to_a_held_version_costs_nothing_as_announced(suite: Suite) -> None:
    suite.release(options={"max_epochs": 2}, keep=0, serving="V1")  # V2's spec
    plan = _plan(suite)
    assert (plan["train"], plan["adopt"], plan["estimated_trained_tokens"]) == (None, "V2", 0), plan
    up = suite.run("up")
    assert _creates(suite) == 4  # nothing trained
    assert (up.outputs["serving"], up.outputs["latest"]) == ("V1", "V4")


def test_unpinned_a_spec_moved_back_serves_that_version_again_as_announced(suite: Suite) -> None:
    suite.release(options={"max_epochs": 1}, keep=0)  # V1's spec, pin removed
    plan = _plan(suite)
    assert (plan["train"], plan["adopt"], plan["estimated_trained_tokens"]) == (None, "V1", 0), plan
    assert (plan["serving_before"], plan["serving_after"], plan["drops"]) == ("V1", "V1", []), plan
    up = suite.run("up")
    assert _creates(suite) == 4
    assert up.outputs["serving"] == "V1"
    suite.run("preview", expect_no_changes=True)
