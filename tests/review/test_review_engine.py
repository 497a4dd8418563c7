"""End to end on the emulator through the real Pulumi engine: `preview --diff` shows each model's
training_plan (train on create, retrain old -> new on a retraining change), a no-op stays a no-op,
and `python -m cortex_provider.review comment` renders the same preview (`pulumi preview --json` on the
engine) for a pull request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from cortex_provider.engine import VerbResult
from cortex_provider.review.__main__ import main
from tests.e2e.programs import ProgramProject
from tests.resources.finetune_support import TRAIN_QUERY, seed

PROGRAM = "from cortex_provider.program.main import main\n\nmain()\n"  # the project's own program


class Proj(ProgramProject):
    """Stack `t` of the project's own program with a one-model `cortex:spec` on a seeded account."""

    def __init__(self, root: Path, emulator: Any) -> None:
        account = emulator.new_account()
        conn = emulator.connect(account=account)
        seed(conn)
        conn.cursor().execute("CREATE ROLE IF NOT EXISTS ANALYST")
        super().__init__(root / "proj", emulator, account, "t", PROGRAM)

    def model(self, **options: Any) -> None:
        path = self.dir / "stacks" / "Pulumi.t.yaml"
        data = yaml.safe_load(path.read_text())
        data["config"]["cortex:spec"] = {"database": "DB", "schema": "S", "models": [{
            "name": "TUNED", "base_model": "llama3.1-8b", "training_query": TRAIN_QUERY,
            "options": {"max_epochs": 1, **options}, "usage_roles": ["ANALYST"],
            "retain_on_delete": False}]}  # a retrain under the same name replaces the old model
        path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def proj(emulator: Any, tmp_path: Path) -> Proj:
    return Proj(tmp_path, emulator)


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"


def test_plan_in_the_diff_noop_stays_noop_and_comment(proj: Proj, capsys: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    proj.model()
    first = proj.run("preview", diff=True)
    assert first.ok, _ok(first)
    plan = first.step("model-tuned").new_inputs["training_plan"]
    assert plan["action"] == "train" and plan["base_model"] == "llama3.1-8b" and plan["rows"] == 3
    tokens = int(plan["estimated_trained_tokens"])
    assert tokens > 0 and plan["epochs"] == 1
    assert "training_plan" in first.stdout and str(tokens) in first.stdout

    up = proj.run("up")
    assert up.ok, _ok(up)

    before = len(proj.statements())
    again = proj.run("preview", diff=True)
    assert again.ok and set(again.ops().values()) == {"same"}, _ok(again)
    assert len(proj.statements()) - before <= 1  # no pre-flight for an unchanged model (<= 1 cached SHOW)

    proj.model(max_epochs=2)
    change = proj.run("preview", diff=True)
    assert change.ok, _ok(change)
    ops = {s.op for s in change.steps if s.name == "model-tuned"}
    assert "replace" in ops and change.ops()["model-usage-tuned-analyst"] != "same"  # the grant follows
    plans = [(s.op, s.new_inputs.get("training_plan")) for s in change.steps if s.name == "model-tuned"]
    new = next(plan for _op, plan in plans if plan)
    # The real engine re-runs Check for a replacement with no old inputs, so the plan it records reads
    # action "train", changed []; the review derives "retrain" from the replace step itself, below.
    assert all(plan is None or (plan["action"], plan["changed"]) == ("train", []) for _op, plan in plans), plans
    assert new["estimated_trained_tokens"] == 2 * tokens and new["epochs"] == 2
    assert str(2 * tokens) in change.stdout  # the retrain's cost, as the reviewer sees it

    for key, value in proj.env.items():  # the review runs the engine in this process's environment
        monkeypatch.setenv(key, value)
    assert main(["comment", "--stack", "t", "--cwd", str(proj.dir)]) == 0
    out = capsys.readouterr().out
    assert "pulumi preview --json" in out
    row = next(line for line in out.splitlines() if line.startswith("| `DB.S.TUNED`"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[1:6] == ["llama3.1-8b", "**retrain**", "3", f"{2 * tokens:,}", "2"]
    assert "#### Policy violations (1)" in out and "cortex-validation-data-required" in out
