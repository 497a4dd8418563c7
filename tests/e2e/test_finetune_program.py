"""FineTunedModel in a Pulumi program, run by the offline runner (the real engine path): up from empty,
no-op up, refresh drift after DROP MODEL by hand, retrain on the next up, destroy that retains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cortex_provider.offline import run_destroy, run_refresh, run_up
from tests.provider.provider_support import ModelProject, fast_offline_env

PROGRAM = """\
import json
from pathlib import Path

import pulumi
from cortex_provider.pulumi.finetuned_model import FineTunedModel

spec = json.loads(Path(__file__).with_name("model.json").read_text())
m = FineTunedModel("model", **spec)
pulumi.export("status", m.status)
pulumi.export("cost", m.estimated_trained_tokens)
"""


class Proj(ModelProject):
    def run(self, fn: Any) -> Any:
        return fn(self.dir, "t", printer=self.lines.append)

    def statements(self, needle: str = "") -> list[str]:
        return [str(e["statement"]) for e in self.emulator.query_log(self.account)
                if needle.upper() in str(e["statement"]).upper()]

    def models(self) -> list[str]:
        cur = self.conn.cursor()
        cur.execute("SHOW MODELS IN SCHEMA DB.S")
        return sorted(r[1] for r in cur.fetchall())


@pytest.fixture
def proj(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Proj:
    fast_offline_env(monkeypatch)
    return Proj(tmp_path, emulator, PROGRAM)


def test_program_lifecycle(proj: Proj) -> None:
    proj.model()
    up = proj.run(run_up)
    assert up.ok, up.errors
    assert up.outputs["status"] == "SUCCESS" and up.outputs["cost"] > 0
    assert len(proj.statements("FINETUNE('CREATE'")) == 1

    again = proj.run(run_up)
    assert again.ok and set(again.ops().values()) == {"same"}
    assert len(proj.statements("FINETUNE('CREATE'")) == 1

    proj.model(wait="none", timeout_minutes=5)  # provider-only fields: an update with no SQL
    n = len(proj.statements())
    upd = proj.run(run_up)
    assert upd.ok and upd.ops()["model"] == "update" and len(proj.statements()) == n

    proj.conn.cursor().execute("DROP MODEL DB.S.TUNED")
    refreshed = proj.run(run_refresh)
    assert refreshed.ok and refreshed.ops()["model"] == "update"  # drift: status MISSING, kept in state
    retrain = proj.run(run_up)
    assert retrain.ok, retrain.errors
    assert retrain.ops()["model"] == "replace" and retrain.outputs["status"] in ("PENDING", "IN_PROGRESS",
                                                                                    "SUCCESS")
    assert len(proj.statements("FINETUNE('CREATE'")) == 2

    gone = proj.run(run_destroy)
    assert gone.ok, gone.errors
    assert proj.statements("DROP MODEL IF EXISTS") == []  # retain_on_delete: the model stays
