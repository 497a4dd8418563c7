"""A job still running (an `up` interrupted or timed out while it waited) is planned as `up` treats it, on
the real engine (stub emulator): `up` adopts the job and starts none (FineTunedModelCore.create_as), so
the preview says `adopt` at 0 tokens for a ModelRelease version and for a FineTunedModel. The plans used
to offer to `train` it, with the tokens of a job `up` never started.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.programs import ModelProject
from tests.e2e.support import skip_after_failure
from tests.e2e.test_finetune_program import PROGRAM as MODEL_PROGRAM
from tests.e2e.test_releases import Suite, release_suite
from tests.resources.finetune_support import TRAIN_QUERY

STEP_S = 8  # the stub trains 4 steps: the job runs ~32 s, past the previews (~6 s idle, 12 s seen at load 9)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with release_suite(tmp_path_factory.mktemp("running-job-plans")) as s:
        yield s


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "running job plans")


def _start_job(conn: Any, model: str, base: str, epochs: int) -> str:
    """What an interrupted `up` leaves behind: this spec's job, still running, and no model yet."""
    options = json.dumps({"max_epochs": epochs, "stub_step_seconds": STEP_S})
    cur = conn.cursor()
    cur.execute(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', '{model}', '{base}', '{TRAIN_QUERY}', '', "
                f"'{options}')")
    return str(cur.fetchone()[0])


def _status(conn: Any, job: str) -> str:
    cur = conn.cursor()
    cur.execute(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job}')")
    return str(json.loads(cur.fetchone()[0])["status"])


def test_a_running_job_is_planned_as_adopt_and_up_starts_no_job(suite: Suite) -> None:
    model = ModelProject(suite.proj.dir.parent / "model", suite.emu, MODEL_PROGRAM)
    model.model(base_model="llama3.1-8b")  # DB.S.TUNED, 1 epoch
    suite.release()  # DB.S.SUP_V1, llama3.1-8b, 1 epoch
    started = time.monotonic()
    version_job = _start_job(suite.proj.conn, "DB.S.SUP_V1", "llama3.1-8b", 1)
    model_job = _start_job(model.conn, "DB.S.TUNED", "llama3.1-8b", 1)

    plan = suite.run("preview", diff=True).step("support").new_inputs["release_plan"]
    training = model.run("preview", diff=True)
    assert training.ok, training.stdout[-3000:]
    model_plan = training.step("model").new_inputs["training_plan"]
    assert _status(suite.proj.conn, version_job) != "SUCCESS" and _status(model.conn, model_job) != "SUCCESS", \
        f"the jobs ended before the previews ({time.monotonic() - started:.0f} s): raise STEP_S"
    assert (plan["adopt"], plan["train"], plan["estimated_trained_tokens"]) == ("V1", None, 0), plan
    assert (model_plan["action"], model_plan["estimated_trained_tokens"]) == ("adopt", 0), model_plan
    assert model_job in model_plan["note"]

    up = suite.run("up")  # what the plan said: the running job is adopted, no second job is paid
    assert up.outputs["serving"] == "V1"
    assert len(suite.proj.statements("FINETUNE('CREATE'")) == 1
    done = model.run("up")
    assert done.ok and done.outputs["status"] == "SUCCESS", done.stdout[-3000:]
    assert len(model.statements("FINETUNE('CREATE'")) == 1
