"""A field added to an existing FineTunedModel is seen, on the real engine (Pulumi drops null outputs
from state, so a validation query that was unset used to be missing from state and its addition planned
no change: `preview` and `up` said unchanged and ignored the edit). Now the plan shows the retrain (a
replace whose training_plan validates), `up` trains it, the next `up` is a no-op, and the same change
on a retained model fails the preview naming the field and the fix, sending nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cortex_provider.engine import VerbResult
from tests.e2e.programs import ModelProject
from tests.e2e.test_finetune_program import PROGRAM
from tests.resources.finetune_support import TRAIN_QUERY

VALIDATION = TRAIN_QUERY + " WHERE prompt LIKE '%1%'"
WRITES = ("CREATE", "DROP", "ALTER", "GRANT", "REVOKE")


@pytest.fixture
def proj(emulator: Any, tmp_path: Path) -> ModelProject:
    return ModelProject(tmp_path, emulator, PROGRAM)


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"


def test_adding_a_validation_query_is_planned_and_trained(proj: ModelProject) -> None:
    proj.model(retain_on_delete=False)
    assert proj.run("up").ok
    again = proj.run("up")
    assert again.ok and set(again.ops().values()) == {"same"}, _ok(again)

    proj.model(retain_on_delete=False, validation_query=VALIDATION)
    preview = proj.run("preview", diff=True)
    assert preview.ok, _ok(preview)
    steps = [s for s in preview.steps if s.name == "model"]
    assert "replace" in {s.op for s in steps}, [s.op for s in steps]  # it was "same"
    plan = next(s.new_inputs["training_plan"] for s in steps if s.new_inputs.get("training_plan"))
    assert plan["validation"] is True and plan["estimated_trained_tokens"] > 0

    up = proj.run("up")
    assert up.ok, _ok(up)
    trained = proj.statements("FINETUNE('CREATE'")
    assert len(trained) == 2 and "LIKE" in trained[-1], trained
    after = proj.run("up")
    assert after.ok and set(after.ops().values()) == {"same"}, _ok(after)

    proj.model(validation_query=VALIDATION, training_definition='{"source":"DB.S.TRAIN"}')  # retained
    before = len(proj.statements())
    refused = proj.run("preview")
    assert not refused.ok and "training_definition" in refused.stdout and "new `name`" in refused.stdout, \
        _ok(refused)
    assert not [s for s in proj.statements()[before:] if s.lstrip().upper().startswith(WRITES)]
