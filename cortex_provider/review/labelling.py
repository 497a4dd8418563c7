"""Per distillation, what a planned change pays its teacher: read from the `labelling_plan` input the
provider's check computes (resources/distillation_plan.py). A distillation's bill is this labelling
(COMPLETE tokens) plus the student's training (costs.py); the PR comment shows both side by side."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cortex_provider.review.changes import Change
from cortex_provider.review.plan_values import as_float, as_int, as_text


@dataclass(frozen=True)
class LabellingCost:
    resource: str
    teacher_model: str | None  # None: a teacher this `up` trains (not known in the preview)
    prompts: int | None
    input_tokens: int | None
    max_output_tokens: int | None
    estimated_complete_tokens: int | None
    token_method: str | None = None
    note: str | None = None
    estimated_credits: float | None = None  # only when the stack declares a COMPLETE rate for the teacher
    credits_per_million_tokens: float | None = None



def labelling_cost(change: Change) -> LabellingCost | None:
    """The labelling a DistillationDataset change causes, or None when it sends nothing to the teacher."""
    if change.kind != "DistillationDataset" or change.op not in ("create", "update", "replace"):
        return None
    raw = change.new.get("labelling_plan")
    if not isinstance(raw, Mapping):
        return None
    plan: Mapping[str, Any] = raw
    prompts = as_int(plan.get("prompts"))
    if prompts == 0:
        return None
    return LabellingCost(
        resource=change.name,
        teacher_model=as_text(plan.get("teacher_model")) or as_text(change.new.get("teacher_model")),
        prompts=prompts,
        input_tokens=as_int(plan.get("input_tokens")),
        max_output_tokens=as_int(plan.get("max_output_tokens")),
        estimated_complete_tokens=as_int(plan.get("estimated_complete_tokens")),
        token_method=as_text(plan.get("token_method")),
        note=as_text(plan.get("note")),
        estimated_credits=as_float(plan.get("estimated_credits")),
        credits_per_million_tokens=as_float(plan.get("credits_per_million_tokens")),
    )


def labelling_costs(changes: Iterable[Change]) -> list[LabellingCost]:
    return [c for c in (labelling_cost(ch) for ch in changes) if c is not None]
