"""Model releases on the real Pulumi engine (Automation API over the pulumi CLI), against a fresh
emulator (stub engine, current catalogue).

One ordered suite on one program of its own (tests/e2e/programs.py): a ModelRelease from release.json and,
downstream of it, a usage grant on its serving model. up -> V1 serves -> preview --diff of a gated
retrain shows the release plan -> the retrain trains V2 and its gate FAILS: up fails with both scores,
V1 keeps serving, the downstream grant does not move -> the held-out answers change, the next up adopts
V2 (no second job) and promotes it -> rollback `serving: V1` repoints with no FINETUNE -> destroy drops
the endpoint and keeps the versions. A second connection calls the endpoint the whole time from the
failing up through the promotion: it never errors, and answers V1 until V2 passes, then only V2.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.engine import VerbResult
from tests.conftest import Emulator
from tests.e2e.programs import ModelProject
from tests.e2e.support import skip_after_failure
from tests.resources.test_release import PROMPTS, stub_answer

PROGRAM = """\
import json
from pathlib import Path

import pulumi
import cortex_provider as cortex

spec = json.loads(Path(__file__).with_name("release.json").read_text())
release = cortex.ModelRelease("support", **spec)
cortex.ModelUsageGrant("downstream", role="DOWNSTREAM", model=release.serving_model,
                       opts=pulumi.ResourceOptions(depends_on=[release]))
pulumi.export("serving", release.serving_version)
pulumi.export("latest", release.latest)
pulumi.export("gate", release.gate)
"""
V1, V2 = "DB.S.SUP_V1", "DB.S.SUP_V2"
ASK = "SELECT DB.S.SUP('Extract from note 0')"
HELDOUT = "SELECT prompt, completion FROM DB.S.HELDOUT"


@dataclass
class Suite:
    emu: Emulator
    proj: ModelProject
    answers: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    hammer: threading.Thread | None = None

    def release(self, **over: Any) -> None:
        spec: dict[str, Any] = {"name": "SUP", "database": "DB", "schema_name": "S", "base_model": "llama3.1-8b",
                                "training_query": "SELECT prompt, completion FROM DB.S.TRAIN",
                                "options": {"max_epochs": 1}, "usage_roles": ["APP"]}
        spec.update(over)
        (self.proj.dir / "release.json").write_text(json.dumps(spec))

    def run(self, verb: str, *, ok: bool = True, **kwargs: Any) -> VerbResult:
        result = self.proj.run(verb, **kwargs)
        assert result.ok is ok, f"{verb}:\n{result.stdout[-3000:]}\n{result.stderr[-1500:]}"
        return result

    def ask(self) -> str:
        return str(self.proj.conn.cursor().execute(ASK).fetchone()[0])

    def heldout(self, model: str) -> None:
        """Held-out rows whose expected answers are exactly `model`'s (exact_match 1.0 for it, 0 else)."""
        cur = self.proj.conn.cursor()
        cur.execute("CREATE OR REPLACE TABLE DB.S.HELDOUT (prompt VARCHAR, completion VARCHAR)")
        for p in PROMPTS:
            cur.execute("INSERT INTO DB.S.HELDOUT VALUES (%s, %s)", (p, stub_answer(model, p)))

    def grants_to(self, role: str) -> set[tuple[str, str, str]]:
        return {(r[1], r[2], r[3]) for r in self.proj.conn.cursor().execute(f"SHOW GRANTS TO ROLE {role}")}

    def start_hammer(self) -> None:
        conn = self.emu.connect(account=self.proj.account)

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    self.answers.append(str(conn.cursor().execute(ASK).fetchone()[0]))
                except BaseException as exc:  # any failure is a window where applications break
                    self.errors.append(exc)
                time.sleep(0.05)
            conn.close()

        self.hammer = threading.Thread(target=loop, daemon=True)
        self.hammer.start()

    def stop_hammer(self) -> None:
        self.stop.set()
        if self.hammer is not None:
            self.hammer.join(timeout=30)


@contextlib.contextmanager
def release_suite(root: Path) -> Iterator[Suite]:
    """A stub-engine emulator (current catalogue) with the release program's project and its roles; the
    release suites each start one."""
    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        proj = ModelProject(root, emu, PROGRAM)
        for stmt in ("CREATE ROLE APP", "CREATE ROLE DOWNSTREAM"):
            proj.conn.cursor().execute(stmt)
        s = Suite(emu, proj)
        yield s
        s.stop_hammer()
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with release_suite(tmp_path_factory.mktemp("releases")) as s:
        yield s


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "releases")


def _creates(suite: Suite) -> list[str]:
    return suite.proj.statements("FINETUNE('CREATE'")


def test_up_trains_v1_behind_the_endpoint(suite: Suite) -> None:
    suite.release()
    up = suite.run("up")
    assert (up.outputs["serving"], up.outputs["latest"]) == ("V1", "V1")
    assert suite.ask() == stub_answer(V1, PROMPTS[0])
    assert len(_creates(suite)) == 1
    assert ("USAGE", "MODEL", V1) in suite.grants_to("DOWNSTREAM")
    assert {("USAGE", "FUNCTION", "DB.S.SUP"), ("USAGE", "MODEL", V1)} <= suite.grants_to("APP")


def test_preview_diff_shows_the_release_plan(suite: Suite) -> None:
    suite.heldout(V1)  # the gate will prefer V1's answers: V2 fails it
    suite.release(options={"max_epochs": 2, "stub_step_seconds": 0.5},
                  gate={"eval_query": HELDOUT, "metric": "exact_match", "threshold": 0.5})
    n = len(suite.proj.statements())
    preview = suite.run("preview", diff=True)
    plan = preview.step("support").new_inputs["release_plan"]
    assert (plan["train"], plan["serving_before"], plan["serving_after"], plan["gated"]) == ("V2", "V1", "V2", True)
    assert plan["rows"] == 3 and plan["estimated_trained_tokens"] > 0  # DB.S.TRAIN: 3 rows
    assert "release_plan" in preview.stdout and str(plan["estimated_trained_tokens"]) in preview.stdout
    assert not [s for s in suite.proj.statements()[n:] if s.lstrip().upper().startswith(("CREATE", "DROP", "GRANT"))
                or "FINETUNE('CREATE'" in s.upper()]


def test_failing_gate_fails_up_with_both_scores_and_v1_keeps_serving(suite: Suite) -> None:
    suite.start_hammer()
    time.sleep(0.3)
    up = suite.run("up", ok=False)
    assert "gate FAILED for V2" in up.stdout and "V2 = 0.0000, V1 = 1.0000" in up.stdout
    assert "V1 keeps serving" in up.stdout
    assert suite.ask() == stub_answer(V1, PROMPTS[0])
    assert len(_creates(suite)) == 2  # V2 was trained (and is kept for the next up to adopt)
    assert up.ops().get("downstream") in (None, "same")  # nothing downstream moves
    assert ("USAGE", "MODEL", V1) in suite.grants_to("DOWNSTREAM")
    assert ("USAGE", "MODEL", V2) not in suite.grants_to("APP")
    state = suite.proj.pulumi("stack", "output", "--json").stdout
    assert json.loads(state)["serving"] == "V1"


def test_passing_gate_promotes_v2_and_the_endpoint_never_errors(suite: Suite) -> None:
    suite.heldout(V2)  # same eval_query, new expected answers: V2 now wins
    up = suite.run("up")
    time.sleep(0.3)
    suite.stop_hammer()
    assert (up.outputs["serving"], up.outputs["latest"]) == ("V2", "V2")
    assert up.outputs["gate"]["passed"] and up.outputs["gate"]["model_score"] == 1.0
    assert len(_creates(suite)) == 2  # the trained V2 was adopted: no second job
    assert suite.errors == []
    old, new = stub_answer(V1, PROMPTS[0]), stub_answer(V2, PROMPTS[0])
    answers = suite.answers
    assert set(answers) == {old, new} and answers[0] == old and answers[-1] == new
    first_new = answers.index(new)
    assert set(answers[:first_new]) == {old} and set(answers[first_new:]) == {new}  # V1 until V2 passed
    assert {s.op for s in up.steps if s.name == "downstream"} & {"replace", "update"}  # downstream follows now
    assert ("USAGE", "MODEL", V2) in suite.grants_to("DOWNSTREAM")
    assert ("USAGE", "MODEL", V2) in suite.grants_to("APP") and ("USAGE", "MODEL", V1) not in suite.grants_to("APP")


def test_rollback_pin_repoints_with_no_finetune(suite: Suite) -> None:
    suite.release(options={"max_epochs": 2, "stub_step_seconds": 0.5}, serving="V1",
                  gate={"eval_query": HELDOUT, "metric": "exact_match", "threshold": 0.5})
    preview = suite.run("preview", diff=True)
    plan = preview.step("support").new_inputs["release_plan"]
    assert (plan["train"], plan["serving_before"], plan["serving_after"]) == (None, "V2", "V1")
    up = suite.run("up")
    assert (up.outputs["serving"], up.outputs["latest"]) == ("V1", "V2")
    assert len(_creates(suite)) == 2
    assert suite.ask() == stub_answer(V1, PROMPTS[0])
    assert ("USAGE", "MODEL", V1) in suite.grants_to("APP")


def test_destroy_drops_the_endpoint_and_keeps_the_versions(suite: Suite) -> None:
    suite.run("destroy")
    assert suite.proj.statements("DROP FUNCTION")
    assert not suite.proj.statements("DROP MODEL")
    assert {"SUP_V1", "SUP_V2"} <= set(suite.proj.models())
