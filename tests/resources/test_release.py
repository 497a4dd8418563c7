"""ModelRelease core against the emulator (stub engine): versions behind a stable endpoint, the gate,
rollback by pin, retention, adoption of what exists, and an endpoint that answers through a promotion."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest

from cortex_provider.resources.release import ModelReleaseCore, ReleaseConflict, ReleaseGateFailed
from tests.resources.finetune_support import Env, make_env

BASE = "llama3.1-8b"
PROMPTS = ("Extract from note 0", "Extract from note 1", "Extract from note 2")


def stub_answer(model: str, prompt: str) -> str:
    """What the stub engine answers for a fine-tuned model (cortex_local/engines/stub.py)."""
    tag = f"stub:{BASE}+adapter:{model}"
    digest = hashlib.sha256((tag + "\n" + prompt).encode()).hexdigest()[:8]
    return f"[{tag}] {digest} {prompt}"


def release(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "SUP", "database": "DB", "schema_name": "S", "base_model": BASE,
                            "training_query": "SELECT prompt, completion FROM DB.S.TRAIN",
                            "options": {"max_epochs": 1}}
    base.update(over)
    return base


@pytest.fixture
def env(emulator: Any) -> Env:
    return make_env(emulator)


def run(core: ModelReleaseCore, env: Env, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    checked = core.check(olds or {}, inputs)
    assert not checked.failures, checked.failures
    spec = core.parse(checked.inputs)
    if olds is None:
        return core.create(env.session, spec).outputs
    assert core.diff("SUP", olds, checked.inputs).has_changes
    return core.update(env.session, "SUP", olds, spec)


def ask(env: Env, conn: Any = None) -> str:
    cur = (conn or env.conn).cursor()
    cur.execute("SELECT DB.S.SUP('Extract from note 0')")
    return str(cur.fetchone()[0])


def eval_table(env: Env, model: str) -> str:
    """Held-out rows whose expected answers are exactly `model`'s (exact_match 1.0 for it, 0 for others)."""
    env.sql("CREATE OR REPLACE TABLE DB.S.HELDOUT (prompt VARCHAR, completion VARCHAR)")
    for p in PROMPTS:
        env.sql("INSERT INTO DB.S.HELDOUT VALUES (%s, %s)", (p, stub_answer(model, p)))
    return "SELECT prompt, completion FROM DB.S.HELDOUT"


def test_first_up_trains_v1_and_the_endpoint_answers(env: Env) -> None:
    core = ModelReleaseCore(env.core)
    out = run(core, env, release(usage_roles=[]))
    assert (out["serving_version"], out["latest"], out["serving_model"]) == ("V1", "V1", "DB.S.SUP_V1")
    assert [v["version"] for v in out["versions"]] == ["V1"] and out["versions"][0]["job_id"]
    assert ask(env) == stub_answer("DB.S.SUP_V1", "Extract from note 0")
    assert env.creates_in_log() == 1
    # the same spec again: no change at all
    assert not core.diff("SUP", out, core.check(out, release(usage_roles=[])).inputs).has_changes


def test_retrain_v2_gate_passes_promotes_and_endpoint_never_errors(env: Env) -> None:
    core = ModelReleaseCore(env.core)
    v1 = run(core, env, release())
    gate = {"eval_query": eval_table(env, "DB.S.SUP_V2"), "metric": "exact_match", "threshold": 0.5}
    answers: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    other = env.emulator.connect(account=env.account)

    def hammer() -> None:
        while not stop.is_set():
            try:
                answers.append(ask(env, other))
            except BaseException as exc:  # any failure is a window where applications break
                errors.append(exc)
            time.sleep(0.02)

    t = threading.Thread(target=hammer)
    t.start()
    try:
        v2 = run(core, env, release(options={"max_epochs": 2, "stub_step_seconds": 0.3}, gate=gate), v1)
        time.sleep(0.2)
    finally:
        stop.set()
        t.join()
        other.close()
    assert errors == []
    assert (v2["serving_version"], v2["latest"]) == ("V2", "V2")
    assert v2["gate"]["passed"] and v2["gate"]["model_score"] == 1.0 and v2["gate"]["baseline_score"] == 0.0
    old, new = stub_answer("DB.S.SUP_V1", PROMPTS[0]), stub_answer("DB.S.SUP_V2", PROMPTS[0])
    assert answers[0] == old and answers[-1] == new and set(answers) == {old, new}
    assert answers.index(new) > answers.count(old) - 1  # V1 served until V2 passed, then only V2
    assert env.models() == ["SUP_V1", "SUP_V2"]  # V1 kept


def test_failing_gate_keeps_v1_serving_and_reports_both_scores(env: Env) -> None:
    core = ModelReleaseCore(env.core)
    v1 = run(core, env, release())
    gate = {"eval_query": eval_table(env, "DB.S.SUP_V1"), "metric": "exact_match"}
    with pytest.raises(ReleaseGateFailed, match=r"gate FAILED for V2.*V2 = 0\.0000, V1 = 1\.0000.*V1 keeps serving"):
        run(core, env, release(options={"max_epochs": 2}, gate=gate), v1)
    assert ask(env) == stub_answer("DB.S.SUP_V1", PROMPTS[0])
    assert env.creates_in_log() == 2
    # the next up adopts the trained V2 (no second job) and the gate fails again
    with pytest.raises(ReleaseGateFailed):
        run(core, env, release(options={"max_epochs": 2}, gate=gate), v1)
    assert env.creates_in_log() == 2


def test_rollback_by_pin_repoints_without_training(env: Env) -> None:
    core = ModelReleaseCore(env.core)
    env.sql("CREATE ROLE R1")
    v1 = run(core, env, release(usage_roles=["R1"]))
    v2 = run(core, env, release(options={"max_epochs": 2}, usage_roles=["R1"]), v1)
    assert ask(env).startswith("[stub:llama3.1-8b+adapter:DB.S.SUP_V2]")
    creates = env.creates_in_log()
    back = run(core, env, release(options={"max_epochs": 2}, usage_roles=["R1"], serving="V1"), v2)
    assert (back["serving_version"], back["latest"]) == ("V1", "V2")
    assert env.creates_in_log() == creates  # no FINETUNE
    assert ask(env) == stub_answer("DB.S.SUP_V1", PROMPTS[0])
    grants = {(r[1], r[2], r[3]) for r in env.sql("SHOW GRANTS TO ROLE R1")}
    assert {("USAGE", "FUNCTION", "DB.S.SUP"), ("USAGE", "MODEL", "DB.S.SUP_V1")} <= grants
    assert ("USAGE", "MODEL", "DB.S.SUP_V2") not in grants  # usage follows the serving version
    with pytest.raises(ReleaseConflict, match="serving = V7 names no version"):
        run(core, env, release(options={"max_epochs": 2}, usage_roles=["R1"], serving="V7"), back)


def test_retention_keeps_last_n_and_never_the_serving_one(env: Env) -> None:
    core = ModelReleaseCore(env.core)
    out = run(core, env, release(keep=2))
    out = run(core, env, release(keep=2, options={"max_epochs": 2}), out)
    pinned = run(core, env, release(keep=2, options={"max_epochs": 2}, serving="V1"), out)
    assert pinned["serving_version"] == "V1"
    third = run(core, env, release(keep=2, options={"max_epochs": 3}, serving="V1"), pinned)
    assert [v["version"] for v in third["versions"]] == ["V1", "V2", "V3"]  # V1 serves: kept
    fourth = run(core, env, release(keep=2, options={"max_epochs": 4}), third)
    assert fourth["serving_version"] == "V4"
    assert [v["version"] for v in fourth["versions"]] == ["V3", "V4"]
    assert env.models() == ["SUP_V3", "SUP_V4"]


def test_create_adopts_existing_versions_and_endpoint(env: Env) -> None:
    core = ModelReleaseCore(env.core)
    first = run(core, env, release())
    creates = env.creates_in_log()
    again = ModelReleaseCore(env.core).create(env.session, core.parse(core.check({}, release()).inputs)).outputs
    assert env.creates_in_log() == creates
    assert (again["serving_version"], again["versions"][0]["job_id"]) == ("V1", first["versions"][0]["job_id"])
