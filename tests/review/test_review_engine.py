"""End to end on the emulator through the offline runner: the preview's diff shows each model's
training_plan (train on create, retrain old -> new on a retraining change), a no-op stays a no-op,
and `python -m cortex_provider.review comment` renders the same preview for a pull request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cortex_provider.offline import run_preview, run_up
from cortex_provider.review.__main__ import main
from tests.provider.provider_support import ModelProject, fast_offline_env

PROGRAM = """\
import json
from pathlib import Path

from cortex_provider.pulumi.finetuned_model import FineTunedModel
from cortex_provider.pulumi.grants import ModelUsageGrant

spec = json.loads(Path(__file__).with_name("model.json").read_text())
m = FineTunedModel("model", **spec)
ModelUsageGrant("usage", role="ANALYST", model=m.model)
"""


class Proj(ModelProject):
    def __init__(self, root: Path, emulator: Any) -> None:
        super().__init__(root, emulator, PROGRAM)
        self.conn.cursor().execute("CREATE ROLE IF NOT EXISTS ANALYST")

    def run(self, fn: Any) -> Any:
        self.lines.clear()
        return fn(self.dir, "t", show_diff=True, printer=self.lines.append)

    def statements(self) -> int:
        return len(self.emulator.query_log(self.account))


@pytest.fixture
def proj(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Proj:
    fast_offline_env(monkeypatch)
    return Proj(tmp_path, emulator)


def _step(result: Any, name: str) -> Any:
    return next(s for s in result.steps if s.name == name)


def test_plan_in_the_diff_noop_stays_noop_and_comment(proj: Proj, capsys: Any) -> None:
    proj.model()
    first = proj.run(run_preview)
    assert first.ok, first.errors
    plan = _step(first, "model").new["training_plan"]
    assert plan["action"] == "train" and plan["base_model"] == "mistral-7b" and plan["rows"] == 3
    tokens = int(plan["estimated_trained_tokens"])  # numbers cross the gRPC wire as floats
    assert tokens > 0 and plan["epochs"] == 1
    assert any(line.strip().startswith("+ training_plan:") for line in proj.lines)

    up = proj.run(run_up)
    assert up.ok, up.errors

    before = proj.statements()
    again = proj.run(run_preview)
    assert again.ok and set(again.ops().values()) == {"same"}
    assert proj.statements() - before <= 1  # no pre-flight for an unchanged model (<= 1 cached SHOW)

    proj.model(model_name="TUNED_V2", options={"max_epochs": 2})
    change = proj.run(run_preview)
    assert change.ok, change.errors
    step = _step(change, "model")
    assert step.op == "replace" and {"name", "options", "training_plan"} <= set(step.changed)
    new = step.new["training_plan"]
    assert new["action"] == "retrain" and new["changed"] == ["name", "options"]
    assert new["estimated_trained_tokens"] == 2 * tokens and new["epochs"] == 2
    shown = next(line for line in proj.lines if line.strip().startswith("training_plan:"))
    assert '"action": "train"' in shown and '=> {"action": "retrain"' in shown

    assert main(["comment", "--stack", "t", "--cwd", str(proj.dir)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| `DB.S.TUNED_V2`"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[1:6] == ["mistral-7b", "**retrain**", "3", f"{2 * tokens:,}", "2"]
    assert "#### Policy violations (1)" in out and "cortex-validation-data-required" in out
