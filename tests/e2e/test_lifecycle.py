"""The `local` stack's whole lifecycle through the real Pulumi engine, against a fresh emulator.

One ordered suite on one copy of the project (tests share the stack and run in file order; after a
failure the later steps skip): up from empty -> a no-op up that sends no SQL at all -> a grant change
-> a preview of a retrain that shows its cost -> retrains under new names (a running job is cancelled,
a trained model is retained) -> a resource removed -> drift by hand + refresh + repair -> stack
export/import round trip -> destroy. Assertions read the emulator (SHOW ..., job records through the
driver), its query log, and the engine's own events and state (`pulumi stack export`) -- never our own
imitation of the engine.

The stack is `stacks/Pulumi.local.yaml` plus a second model (SUPPORT_DRAFT, on its own view) trained
with `wait: none` and a slow stub step, so its job is still IN_PROGRESS when it is replaced.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from cortex_provider.engine import VerbResult
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import seed_demo, skip_after_failure

ACCOUNT = "LOCAL"
DB, SCHEMA = "CORTEX_DEMO", "MODELS"
FQ = f"{DB}.{SCHEMA}"
# the draft's job runs 4 stub steps of this many seconds: long enough to still be IN_PROGRESS when it
# is replaced (a few runs later), short enough that its cancel (seen at the next step) lands quickly
DRAFT_STEP_S = 20
DDL = ("CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "INSERT", "UPDATE", "DELETE", "MERGE")


@dataclass
class Lifecycle:
    emu: Emulator
    project: EngineProject
    conn: Any
    spec: dict[str, Any]
    jobs: dict[str, str] = field(default_factory=dict)
    estimated_tokens: int = 0

    def run(self, verb: str, spec: dict[str, Any] | None = None, **kwargs: Any) -> tuple[VerbResult, list[str]]:
        """Write `spec` (if given) into the stack file, run the verb on the real engine; returns the result
        and the SQL the emulator received meanwhile (the suite sends none of its own during a run)."""
        if spec is not None:
            self.project.set_spec(spec)
            if verb != "preview":
                self.spec = spec
        before = len(self.emu.query_log(ACCOUNT))
        result = self.project.run(verb, **kwargs)
        sql = [e["statement"] for e in self.emu.query_log(ACCOUNT)[before:]]
        assert result.ok, f"{verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
        return result, sql

    def query(self, sql: str) -> list[dict[str, Any]]:
        from snowflake.connector import DictCursor

        rows: list[dict[str, Any]] = self.conn.cursor(DictCursor).execute(sql).fetchall()
        return rows

    def models(self) -> set[str]:
        return {r["name"] for r in self.query(f"SHOW MODELS IN SCHEMA {FQ}")}

    def views(self) -> set[str]:
        return {r["name"] for r in self.query(f"SHOW VIEWS IN SCHEMA {FQ}")}

    def grants_on(self, kind: str, name: str) -> set[tuple[str, str]]:
        return {(r["privilege"], r["grantee_name"]) for r in self.query(f"SHOW GRANTS ON {kind} {name}")}

    def cortex_users(self) -> set[str]:
        return {r["grantee_name"] for r in self.query("SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER")}

    def job(self, job_id: str) -> dict[str, Any]:
        row = self.query(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job_id}') AS JOB")[0]
        out: dict[str, Any] = json.loads(row["JOB"])
        return out

    def await_job(self, job_id: str, status: str, timeout: float = 4 * DRAFT_STEP_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["status"] != status and time.monotonic() < deadline:
            time.sleep(0.25)
        return job


def _initial_spec(project: EngineProject) -> dict[str, Any]:
    spec: dict[str, Any] = copy.deepcopy(project.spec())
    spec["training_views"].append({
        "name": "SUPPORT_DRAFT_TRAIN", "source": "CORTEX_DEMO.RAW.SUPPORT_NOTES",
        "prompt": "'Draft: ' || NOTE", "completion": "LABEL_JSON", "where": "ID % 2 = 0",
    })
    return spec


def _with_draft(spec: dict[str, Any]) -> dict[str, Any]:
    """The draft model, added once the first model has trained: the emulator trains one job at a time,
    and the real engine creates independent resources in parallel, so a draft created in the same run
    could take the queue first."""
    spec = copy.deepcopy(spec)
    spec["models"].append({
        "name": "SUPPORT_DRAFT", "base_model": "llama3.1-8b", "training_view": "SUPPORT_DRAFT_TRAIN",
        "options": {"max_epochs": 1, "stub_step_seconds": DRAFT_STEP_S}, "wait": "none",
    })
    return spec


def _model(spec: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in spec["models"] if m["name"] == name)
    return found


def _index(result: VerbResult, op: str, name: str) -> int:
    """Where the step finished, in the engine's own completion order."""
    return result.finished.index((op, name))


def _mutations(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(DDL) or "FINETUNE('CREATE'" in s.upper()
            or "FINETUNE('CANCEL'" in s.upper()]


@pytest.fixture(scope="module")
def lc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lifecycle]:
    root = tmp_path_factory.mktemp("lifecycle")
    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port)
        project = EngineProject(root / "project", emu.port)
        conn = emu.connect(account=ACCOUNT, database=DB, schema=SCHEMA)
        yield Lifecycle(emu, project, conn, _initial_spec(project))
        conn.close()
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "lifecycle")


def test_up_from_empty_creates_everything(lc: Lifecycle) -> None:
    result, sql = lc.run("up", lc.spec)
    ops = result.ops()
    assert ops.pop("cortex-local") == "create"
    assert set(ops.values()) == {"create"}
    assert result.summary == {"create": 8}
    assert set(ops) == {
        "cortex-user-ml-engineer", "model-creator-ml-engineer", "view-support-train",
        "view-support-validation", "view-support-draft-train", "model-support-extractor",
        "model-usage-support-extractor-analyst",
    }
    out = result.outputs["model:SUPPORT_EXTRACTOR"]
    assert out["status"] == "SUCCESS" and out["trained_tokens"] > 0
    assert out["estimated_trained_tokens"] == out["trained_tokens"]  # stub: input tokens x 1 epoch
    lc.jobs["extractor"] = out["job_id"]
    lc.estimated_tokens = out["estimated_trained_tokens"]
    assert sum("FINETUNE('CREATE'" in s for s in sql) == 1
    assert lc.models() == {"SUPPORT_EXTRACTOR"}
    assert {"SUPPORT_TRAIN", "SUPPORT_VALIDATION", "SUPPORT_DRAFT_TRAIN"} <= lc.views()
    assert ("USAGE", "ANALYST") in lc.grants_on("MODEL", f"{FQ}.SUPPORT_EXTRACTOR")
    assert "ML_ENGINEER" in lc.cortex_users()
    assert {("USAGE", "ML_ENGINEER"), ("CREATE MODEL", "ML_ENGINEER")} <= lc.grants_on("SCHEMA", FQ)


def test_second_up_is_all_same_and_sends_no_sql(lc: Lifecycle) -> None:
    result, sql = lc.run("up")
    assert set(result.ops().values()) == {"same"}
    assert result.summary == {"same": 8}
    assert "8 unchanged" in result.stdout  # Pulumi's own summary line
    assert sql == []  # not a SHOW, not a DESCRIBE: nothing at all


def test_grant_change_creates_and_deletes_the_right_grants(lc: Lifecycle) -> None:
    spec = _with_draft(lc.spec)
    spec["access"]["cortex_users"] = ["ML_ENGINEER", "ANALYST"]
    _model(spec, "SUPPORT_EXTRACTOR")["usage_roles"] = ["ML_ENGINEER"]
    result, sql = lc.run("up", spec)
    changed = {n: op for n, op in result.ops().items() if op != "same"}
    assert changed == {
        "cortex-user-analyst": "create",
        "model-usage-support-extractor-ml-engineer": "create",
        "model-usage-support-extractor-analyst": "delete",
        "model-support-draft": "create",
        "view-support-draft-train": "update",  # its pre-flight now checks against the draft's base/epochs
    }
    # the one training is the new draft's: none for a grant change
    assert [s for s in _mutations(sql) if "FINETUNE" in s.upper()] == [
        s for s in sql if "FINETUNE('CREATE', 'CORTEX_DEMO.MODELS.SUPPORT_DRAFT'" in s]
    lc.jobs["draft"] = result.outputs["model:SUPPORT_DRAFT"]["job_id"]
    assert result.outputs["model:SUPPORT_DRAFT"]["status"] in ("PENDING", "IN_PROGRESS")  # wait: none
    model_grants = lc.grants_on("MODEL", f"{FQ}.SUPPORT_EXTRACTOR")
    assert ("USAGE", "ML_ENGINEER") in model_grants
    assert ("USAGE", "ANALYST") not in model_grants
    assert {"ML_ENGINEER", "ANALYST"} <= lc.cortex_users()


def test_retrain_under_a_new_name_cancels_the_running_job(lc: Lifecycle) -> None:
    old_job = lc.jobs["draft"]
    assert lc.job(old_job)["status"] in ("PENDING", "IN_PROGRESS"), "draft finished too early for this test"
    spec = copy.deepcopy(lc.spec)
    draft = _model(spec, "SUPPORT_DRAFT")
    # wait: none again, because the emulator trains one job at a time and the old one is cancelled
    # only after the new model's create (create-before-delete)
    draft.update(name="SUPPORT_DRAFT_V2", options={"max_epochs": 1})
    result, sql = lc.run("up", spec)
    changed = {n: op for n, op in result.ops().items() if op != "same"}
    assert changed == {"model-support-draft-v2": "create", "model-support-draft": "delete"}
    assert _index(result, "create", "model-support-draft-v2") < _index(result, "delete", "model-support-draft")
    created = next(i for i, s in enumerate(sql) if "FINETUNE('CREATE', 'CORTEX_DEMO.MODELS.SUPPORT_DRAFT_V2'" in s)
    cancelled = next(i for i, s in enumerate(sql) if f"FINETUNE('CANCEL', '{old_job}')" in s)
    assert created < cancelled
    assert not any(s.upper().startswith("DROP MODEL") for s in sql)
    assert lc.await_job(old_job, "CANCELLED")["status"] == "CANCELLED"
    new_job = result.outputs["model:SUPPORT_DRAFT_V2"]["job_id"]
    lc.jobs["draft_v2"] = new_job
    assert lc.await_job(new_job, "SUCCESS")["status"] == "SUCCESS"
    assert "SUPPORT_DRAFT" not in lc.models()  # a cancelled job leaves no model
    assert "SUPPORT_DRAFT_V2" in lc.models()


def _extractor_v2(spec: dict[str, Any]) -> dict[str, Any]:
    """A retrain: a new name and two epochs instead of one."""
    spec = copy.deepcopy(spec)
    _model(spec, "SUPPORT_EXTRACTOR").update(name="SUPPORT_EXTRACTOR_V2", options={"max_epochs": 2})
    return spec


def test_preview_of_a_retrain_shows_its_cost_and_changes_nothing(lc: Lifecycle) -> None:
    state_before = {p: p.read_bytes() for p in lc.project.state_files() if "backups" not in p.parts}
    result, sql = lc.run("preview", _extractor_v2(lc.spec), diff=True)
    changed = {n: op for n, op in result.ops().items() if op != "same"}
    # the views' computed plan inputs follow the model's epochs (an in-place update, no SQL change)
    assert changed == {
        "model-support-extractor-v2": "create", "model-usage-support-extractor-v2-ml-engineer": "create",
        "model-support-extractor": "delete", "model-usage-support-extractor-ml-engineer": "delete",
        "view-support-train": "update", "view-support-validation": "update",
    }
    assert _mutations(sql) == []
    after = {p: p.read_bytes() for p in lc.project.state_files() if "backups" not in p.parts}
    assert after == state_before  # a preview writes no state
    # the cost of the retrain is in the plan's data (the provider's computed `training_plan` input) ...
    plan = result.step("model-support-extractor-v2").new_inputs["training_plan"]
    assert plan["base_model"] == "llama3.1-8b" and plan["rows"] == 90  # ID % 10 <> 0 of the demo's 100 rows
    assert plan["epochs"] == 2
    assert plan["estimated_trained_tokens"] == 2 * lc.estimated_tokens  # same data, twice the epochs
    # ... and in what `pulumi preview --diff` prints for the reviewer
    assert "training_plan" in result.stdout and str(plan["estimated_trained_tokens"]) in result.stdout


def test_retrain_of_a_trained_model_keeps_the_old_one(lc: Lifecycle) -> None:
    result, sql = lc.run("up", _extractor_v2(lc.spec))
    assert _index(result, "create", "model-support-extractor-v2") < _index(result, "delete", "model-support-extractor")
    out = result.outputs["model:SUPPORT_EXTRACTOR_V2"]
    assert out["status"] == "SUCCESS" and out["job_id"] != lc.jobs["extractor"]
    assert sum("FINETUNE('CREATE'" in s for s in sql) == 1
    assert not any("FINETUNE('CANCEL'" in s or s.upper().startswith("DROP MODEL") for s in sql)
    assert {"SUPPORT_EXTRACTOR", "SUPPORT_EXTRACTOR_V2"} <= lc.models()  # the old model is retained
    assert ("USAGE", "ML_ENGINEER") in lc.grants_on("MODEL", f"{FQ}.SUPPORT_EXTRACTOR_V2")
    assert lc.job(lc.jobs["extractor"])["status"] == "SUCCESS"


def test_removing_a_resource_deletes_it_but_keeps_retained_models(lc: Lifecycle) -> None:
    spec = copy.deepcopy(lc.spec)
    spec["models"] = [m for m in spec["models"] if m["name"] != "SUPPORT_DRAFT_V2"]
    spec["training_views"] = [v for v in spec["training_views"] if v["name"] != "SUPPORT_DRAFT_TRAIN"]
    result, sql = lc.run("up", spec)
    changed = {n: op for n, op in result.ops().items() if op != "same"}
    assert changed == {"model-support-draft-v2": "delete", "view-support-draft-train": "delete"}
    assert _index(result, "delete", "model-support-draft-v2") < _index(result, "delete", "view-support-draft-train")
    assert "SUPPORT_DRAFT_TRAIN" not in lc.views()
    assert "SUPPORT_DRAFT_V2" in lc.models()
    mutations = _mutations(sql)
    assert mutations and all(s.upper().startswith("DROP VIEW") and "SUPPORT_DRAFT_TRAIN" in s for s in mutations)


def test_drift_is_reported_by_refresh_and_repaired_by_up(lc: Lifecycle) -> None:
    lc.query(f"REVOKE USAGE ON MODEL {FQ}.SUPPORT_EXTRACTOR_V2 FROM ROLE ML_ENGINEER")
    lc.query(f"DROP VIEW {FQ}.SUPPORT_VALIDATION")
    before = lc.project.resource_names()
    refreshed, sql = lc.run("refresh")
    assert refreshed.summary.get("delete") == 2
    assert before - lc.project.resource_names() == {"model-usage-support-extractor-v2-ml-engineer",
                                                    "view-support-validation"}
    assert _mutations(sql) == []  # refresh only reads
    repaired, sql = lc.run("up")
    changed = {n: op for n, op in repaired.ops().items() if op != "same"}
    assert changed == {"model-usage-support-extractor-v2-ml-engineer": "create", "view-support-validation": "create"}
    assert not any("FINETUNE" in s.upper() for s in _mutations(sql))  # the view came back as it was: no retrain
    assert ("USAGE", "ML_ENGINEER") in lc.grants_on("MODEL", f"{FQ}.SUPPORT_EXTRACTOR_V2")
    assert "SUPPORT_VALIDATION" in lc.views()


def test_stack_export_import_round_trip_keeps_the_stack_unchanged(lc: Lifecycle) -> None:
    exported = lc.project.export()
    path = lc.project.dir / "exported.json"
    path.write_text(json.dumps(exported))
    lc.project.pulumi("stack", "import", "--stack", "local", "--file", str(path))

    def ids(export: dict[str, Any]) -> list[tuple[str, str | None]]:  # secrets are re-encrypted: compare ids
        return [(r["urn"], r.get("id")) for r in export["deployment"]["resources"]]

    assert ids(lc.project.export()) == ids(exported)
    result, sql = lc.run("up")
    assert set(result.ops().values()) == {"same"}
    assert sql == []


def test_destroy_removes_everything_but_retained_models(lc: Lifecycle) -> None:
    result, sql = lc.run("destroy")
    assert set(result.summary) == {"delete"}
    assert not any(s.upper().startswith("DROP MODEL") or "FINETUNE('CANCEL'" in s for s in sql)
    assert lc.views() == set()
    assert {"ML_ENGINEER", "ANALYST"}.isdisjoint(lc.cortex_users())
    assert not any(grantee == "ML_ENGINEER" for _, grantee in lc.grants_on("SCHEMA", FQ))
    assert not any(grantee == "ML_ENGINEER" for _, grantee in lc.grants_on("DATABASE", DB))
    assert lc.models() == {"SUPPORT_EXTRACTOR", "SUPPORT_EXTRACTOR_V2", "SUPPORT_DRAFT_V2"}
    assert lc.grants_on("MODEL", f"{FQ}.SUPPORT_EXTRACTOR_V2") <= {("OWNERSHIP", "CORTEX_DEPLOYER")}  # its deployer
    assert lc.project.export()["deployment"].get("resources") in (None, [])
