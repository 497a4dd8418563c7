"""A release plan's `drops` leaves out the versions this stack adopted, as `up` does, on the real engine
(stub emulator). `up` never drops a version it did not create (core.py keeps adopted versions beyond
`keep`); the plan used to list them in `drops` anyway. Now the plan reads what create takes over the way
create reads it (release/found.py), carries the adopted versions from plan to plan, and `drops` names
exactly the versions `up` drops.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.support import skip_after_failure
from tests.e2e.test_releases import Suite, release_suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with release_suite(tmp_path_factory.mktemp("release-plan-adopted")) as s:
        yield s


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "release plan adopted")


def _versions(suite: Suite) -> list[str]:
    return sorted(r[1] for r in suite.proj.conn.cursor().execute("SHOW MODELS IN SCHEMA DB.S"))


def test_an_adopted_version_is_planned_as_adopted(suite: Suite) -> None:
    suite.release()
    suite.run("up")  # trains V1
    suite.run("destroy")  # versions are retained and released: V1 has no record now
    assert _versions(suite) == ["SUP_V1"]
    suite.release(adopt=True)
    plan = suite.run("preview", diff=True).step("support").new_inputs["release_plan"]
    assert (plan["adopt"], plan["train"], plan["estimated_trained_tokens"]) == ("V1", None, 0), plan
    assert suite.run("up").outputs["serving"] == "V1"


def test_keep_drops_in_the_plan_what_up_drops_and_never_an_adopted_version(suite: Suite) -> None:
    suite.release(adopt=True, options={"max_epochs": 2})
    assert suite.run("up").outputs["serving"] == "V2"  # trained by this stack
    suite.release(adopt=True, options={"max_epochs": 3})
    assert suite.run("up").outputs["serving"] == "V3"
    assert _versions(suite) == ["SUP_V1", "SUP_V2", "SUP_V3"]

    suite.release(adopt=True, options={"max_epochs": 3}, keep=1)
    plan = suite.run("preview", diff=True).step("support").new_inputs["release_plan"]
    assert plan["drops"] == ["V2"], plan  # V1 was adopted: up keeps it
    assert plan["adopted"] == ["V1"]
    suite.run("up")
    assert _versions(suite) == ["SUP_V1", "SUP_V3"]  # exactly the plan's drops are gone


def test_a_release_whose_state_is_lost_is_planned_as_create_takes_it(suite: Suite) -> None:
    """A crash before the state was written, or a new machine: V3 serves with this stack's record. The
    plan used to offer to train V4 with its cost; `up` serves V3 and trains nothing, as planned now."""
    urn = next(r["urn"] for r in suite.proj.stack().export_stack().deployment["resources"]
               if r["urn"].endswith("::support"))
    suite.proj.pulumi("state", "delete", urn, "--target-dependents", "--yes", "--force")
    creates, before = len(suite.proj.statements("FINETUNE('CREATE'")), set(_versions(suite))
    plan = suite.run("preview", diff=True).step("support").new_inputs["release_plan"]
    assert (plan["adopt"], plan["train"], plan["estimated_trained_tokens"]) == ("V3", None, 0), plan
    up = suite.run("up")
    assert up.outputs["serving"] == "V3" and len(suite.proj.statements("FINETUNE('CREATE'")) == creates
    assert before - set(_versions(suite)) == {f"SUP_{v}" for v in plan["drops"]}  # up dropped what it planned

