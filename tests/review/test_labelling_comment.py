"""The PR comment shows a distillation's whole bill: the teacher's labelling (COMPLETE tokens, credits at
a declared rate) beside the student's training; a distillation with nothing to label adds no row."""

from __future__ import annotations

from typing import Any

from cortex_provider.review.changes import from_preview_json
from cortex_provider.review.comment import render
from cortex_provider.review.kinds import UNKNOWN_SENTINELS
from tests.review.samples import PLAN, model
from tests.review.test_comment import rows, state, urn

LABELS = {"teacher_model": "CORTEX_DEMO.MODELS.SUPPORT_TEACHER", "prompts_query": "SELECT NOTE AS prompt FROM N",
          "target_table": "CORTEX_DEMO.MODELS.SUPPORT_LABELS", "instructions": "Extract: ", "max_tokens": 40}


UNKNOWN = next(s for s in UNKNOWN_SENTINELS if s.startswith("04da"))  # a string output not known yet


def _doc(plan: dict[str, Any], op: str = "create", teacher: str = UNKNOWN) -> dict[str, Any]:
    student = model(name="CORTEX_DEMO.MODELS.SUPPORT_STUDENT", training_plan={**PLAN, "estimated_trained_tokens": 6000})
    return {"steps": [
        {"op": op, "urn": urn("distillation-support-labels"),
         "oldState": state("distillation-support-labels", LABELS),
         "newState": state("distillation-support-labels", {**LABELS, "teacher_model": teacher,
                                                           "labelling_plan": plan})},
        {"op": "create", "urn": urn("model-support-student"), "newState": state("model-support-student", student)},
    ]}


def test_labelling_cost_sits_beside_the_training_cost() -> None:
    plan = {"teacher_model": None, "prompts": 40, "input_tokens": 1234, "max_output_tokens": 1600,
            "estimated_complete_tokens": 2834, "token_method": "SNOWFLAKE.CORTEX.COUNT_TOKENS(llama3.1-8b)",
            "note": "the teacher is trained or retrained in this `up`", "credits_per_million_tokens": 0.19,
            "estimated_credits": 0.000538}
    text = render(from_preview_json(_doc(plan), stack="distill"))
    assert text.index("#### Training cost") < text.index("#### Labelling cost")
    (row,) = rows(text, "Labelling cost (the teacher's COMPLETE calls)")
    assert row[:6] == ["`distillation-support-labels`", "trained in this `up`", "40", "1,234", "1,600", "2,834"]
    assert row[6] == "0.0005 (at 0.19/1M)" and "retrained in this `up`" in row[7]
    assert "**The whole bill: 2,834 COMPLETE tokens of labelling + 6,000 trained tokens of fine-tuning**" in text
    assert "(0.0005 credits at the declared rates)" in text  # only the labelling has a declared rate here


def test_nothing_to_label_adds_no_labelling_section() -> None:
    plan = {"teacher_model": "llama3.1-405b", "prompts": 0, "input_tokens": 0, "max_output_tokens": 0,
            "estimated_complete_tokens": 0, "token_method": "~4 characters/token estimate"}
    text = render(from_preview_json(_doc(plan, op="update"), stack="distill"))
    assert "Labelling cost" not in text and "whole bill" not in text
