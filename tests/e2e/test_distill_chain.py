"""The `distill` stack's chain on the real engine, small: a teacher this stack fine-tunes on gold rows
labels the notes, the student learns from those labels only, and the student's gate decides the rollout.

The stub engine with FINETUNE option `stub_recall` stands in for learning deterministically (a model
answers the prompts it was trained on with their completions; engines/stub.py), so the student is scored
on its own training notes here; bench/distill_lift.py runs the full stack on the `lora` engine and scores
held-out rows. Steps:
1. the teacher is the untuned base model: the student learns its answers, the gate blocks it (exact_match
   0 < 0.8) and ANALYST gets no USAGE on it;
2. the preview of switching the teacher to SUPPORT_TEACHER plans the relabelling (prompts, COMPLETE
   tokens) and the PR comment shows it beside the training cost;
3. `up`: the teacher (past its own gate) relabels every note, the student is retrained on its labels, the
   gate passes (1.0, untuned baseline 0.0) and ANALYST gets USAGE.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from cortex_provider.engine import VerbResult
from cortex_provider.review.changes import engine_preview
from cortex_provider.review.comment import render
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import demo_project, env, skip_after_failure

STACK = "distill"
ROWS = 8  # below 10: FINETUNE's automatic validation split holds out no row, so every note is recalled


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject]]:
    with demo_project(tmp_path_factory.mktemp("distill"), rows=ROWS) as (emu, project):
        yield emu, project


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "distillation chain")


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def _small(spec: dict[str, Any], teacher: str) -> dict[str, Any]:
    """The project's distill stack on the seeded notes: every split reads all ROWS notes, the models
    recall (stub), and the distillation's teacher is `teacher`."""
    out = copy.deepcopy(spec)
    for view in out["training_views"]:
        if "where" in view:
            view["where"] = f"ID < {ROWS}"
    (labels,) = out["distillations"]
    labels["teacher_model"] = teacher
    labels["prompts_query"] = f"SELECT NOTE AS prompt FROM CORTEX_DEMO.RAW.SUPPORT_NOTES WHERE ID < {ROWS}"
    for model in out["models"]:
        model["options"] = {"max_epochs": 1, "stub_recall": True}
    out["complete_credit_rates"] = {"llama3.1-8b": 0.19}
    return out


def _usage_grants(emu: Emulator) -> list[str]:
    rows = emu.connect(account="LOCAL").cursor().execute("SHOW GRANTS TO ROLE ANALYST").fetchall()
    return [str(r) for r in rows if "SUPPORT_STUDENT" in str(r)]


def test_the_gate_blocks_a_student_of_the_untuned_teacher(chain: tuple[Emulator, EngineProject]) -> None:
    emu, project = chain
    project.set_spec(_small(project.spec(STACK), "llama3.1-8b"), STACK)
    up = project.run("up", STACK)
    assert not up.ok, _ok(up)
    text = up.stdout + up.stderr
    assert "ModelEvaluation gate FAILED for CORTEX_DEMO.MODELS.SUPPORT_STUDENT" in text, _ok(up)
    assert "exact_match: model = 0.0000, baseline llama3.1-8b = 0.0000; 8 rows" in text
    assert _usage_grants(emu) == []  # the grant waits for the gate


def test_preview_plans_the_relabelling_beside_the_training(chain: tuple[Emulator, EngineProject]) -> None:
    _, project = chain
    project.set_spec(_small(project.spec(STACK), "SUPPORT_TEACHER"), STACK)
    with env(**project.env):
        preview = engine_preview(project.dir, STACK)
    assert not preview.errors, preview.errors
    (labels,) = [c for c in preview.changes if c.name == "distillation-support-labels"]
    plan = labels.new["labelling_plan"]
    # a new label key (the teacher and its job): every note is sent to the teacher again
    assert plan["prompts"] == ROWS and plan["input_tokens"] > 0 and plan["max_output_tokens"] == ROWS * 40
    assert plan["estimated_complete_tokens"] == plan["input_tokens"] + ROWS * 40
    assert plan["token_method"] == "SNOWFLAKE.CORTEX.COUNT_TOKENS(llama3.1-8b)"
    assert plan["estimated_credits"] == pytest.approx(plan["estimated_complete_tokens"] * 0.19 / 1e6, abs=1e-6)
    (student,) = [c for c in preview.changes if c.name == "model-support-student"]
    assert student.op == "replace"  # new labels: the student is retrained on them
    comment = render(preview)
    assert "#### Labelling cost (the teacher's COMPLETE calls)" in comment
    assert f"| `distillation-support-labels` | CORTEX_DEMO.MODELS.SUPPORT_TEACHER | {ROWS} |" in comment
    assert f"{plan['estimated_complete_tokens']:,} COMPLETE tokens of labelling" in comment


def test_the_distilled_student_passes_and_is_rolled_out(chain: tuple[Emulator, EngineProject]) -> None:
    emu, project = chain
    up = project.run("up", STACK)
    assert up.ok, _ok(up)
    labels = up.outputs["distillation:SUPPORT_LABELS"]
    assert labels["rows_labelled_this_run"] == ROWS  # the new teacher relabelled every note
    assert labels["complete_tokens"]["input"] > 0 and labels["complete_tokens"]["output"] > 0
    gate = up.outputs["evaluation:SUPPORT_STUDENT"]
    assert (gate["model_score"], gate["baseline_score"], gate["rows_evaluated"]) == (1.0, 0.0, ROWS)
    assert up.outputs["evaluation:SUPPORT_TEACHER"]["model_score"] == 1.0
    assert len(_usage_grants(emu)) == 1
    # the student's training rows are the teacher's labels: equal to the gold ones, learned without them
    cur = emu.connect(account="LOCAL").cursor()
    got = dict(cur.execute("SELECT PROMPT, COMPLETION FROM CORTEX_DEMO.MODELS.SUPPORT_LABELS").fetchall())
    gold = dict(cur.execute(f"SELECT NOTE, LABEL_JSON FROM CORTEX_DEMO.RAW.SUPPORT_NOTES WHERE ID < {ROWS}").fetchall())
    assert got == gold
    again = project.run("up", STACK)
    assert again.ok and set(again.ops().values()) == {"same"}, _ok(again)
