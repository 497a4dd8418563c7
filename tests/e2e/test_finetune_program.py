"""FineTunedModel in a Pulumi program of its own, on the real engine: up from empty, no-op up,
an update with no SQL, refresh drift after DROP MODEL by hand, retrain on the next up, destroy that
retains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cortex_provider.engine import VerbResult
from tests.e2e.programs import ModelProject

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


@pytest.fixture
def proj(emulator: Any, tmp_path: Path) -> ModelProject:
    return ModelProject(tmp_path, emulator, PROGRAM)


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"


def test_program_lifecycle(proj: ModelProject) -> None:
    proj.model()
    up = proj.run("up")
    assert up.ok, _ok(up)
    assert up.outputs["status"] == "SUCCESS" and up.outputs["cost"] > 0
    assert len(proj.statements("FINETUNE('CREATE'")) == 1

    again = proj.run("up")
    assert again.ok and set(again.ops().values()) == {"same"}, _ok(again)
    assert len(proj.statements("FINETUNE('CREATE'")) == 1

    proj.model(wait="none", timeout_minutes=5)  # provider-only fields: an update with no SQL
    n = len(proj.statements())
    upd = proj.run("up")
    assert upd.ok and upd.ops()["model"] == "update" and len(proj.statements()) == n, _ok(upd)

    proj.conn.cursor().execute("DROP MODEL DB.S.TUNED")
    refreshed = proj.run("refresh")
    assert refreshed.ok, _ok(refreshed)
    assert refreshed.summary.get("update") == 1  # drift: status MISSING, kept in state
    assert "TUNED" not in proj.models()
    retrain = proj.run("up")
    assert retrain.ok, _ok(retrain)
    assert "replace" in {s.op for s in retrain.steps if s.name == "model"}
    assert retrain.summary.get("replace") == 1 and retrain.outputs["status"] in ("PENDING", "IN_PROGRESS",
                                                                                    "SUCCESS")
    assert len(proj.statements("FINETUNE('CREATE'")) == 2

    gone = proj.run("destroy")
    assert gone.ok, _ok(gone)
    assert proj.statements("DROP MODEL IF EXISTS") == []  # retain_on_delete: the model stays
    assert "TUNED" in proj.models()
