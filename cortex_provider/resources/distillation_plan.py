"""The `labelling_plan` input: what a DistillationDataset's next `up` will pay its teacher, in the plan.

The provider's check adds it beside the spec, so `pulumi preview --diff` and the pull-request comment
show the labelling bill next to the training bill of the student (a distillation pays both):

    {"teacher_model": T (None while unknown: a teacher this `up` trains), "prompts": N (to label),
     "input_tokens": I (instructions + prompt, per prompt), "max_output_tokens": N x max_tokens,
     "estimated_complete_tokens": I + N x max_tokens, "token_method": how I was counted,
     "note": ..., "credits_per_million_tokens": R, "estimated_credits": ...}   (the last two when declared)

COMPLETE bills input and output tokens (docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-cost);
the output is bounded by max_tokens only, so without it the estimate counts input.
Rates: the stack's `complete_credit_rates` (credits per million COMPLETE tokens, by the teacher's base
model), from Snowflake's consumption table; none is built in (credits.py).

Like the training plan, it is measured (one read-only aggregate) only for a new resource or when an input
that relabels changed, and otherwise carried from the old inputs, so a no-op stays a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources.base import same
from cortex_provider.resources.credits import estimated_credits
from cortex_provider.resources.distillation import DOES_NOT_EXIST, DistillationSpec
from cortex_provider.session import Session
from cortex_provider.sql.labelling import PromptsToLabel

PLAN_KEY = "labelling_plan"
# inputs whose change sends prompts to the teacher (a new label key, or new prompts)
LABEL_INPUTS = ("teacher_model", "teacher_job_id", "instructions", "max_tokens", "prompts_query",
                "prompts_fingerprint", "target_table", "teacher_base_model")
# stand-ins for inputs unknown in a preview: a teacher this same `up` trains labels every prompt anew
_PLACEHOLDER_TEACHER = "UNKNOWN_DB.UNKNOWN_SCHEMA.UNKNOWN_TEACHER"


def needs_plan(olds: Mapping[str, Any], news: Mapping[str, Any], unknown: set[str]) -> bool:
    """A new resource, or an input that relabels changed (or is not known yet)."""
    if not olds or PLAN_KEY not in olds:
        return True
    return any(k in unknown or not same(olds.get(k), news.get(k)) for k in LABEL_INPUTS)


def _measure(session: Session, spec: DistillationSpec, relabel_all: bool) -> tuple[int, int]:
    """(prompts to label, their input tokens); every prompt when the table does not exist yet."""
    def run(table: Any) -> tuple[int, int]:
        row = session.query_one(PromptsToLabel(spec.prompts, spec.instructions, spec.label_key(), table,
                                               spec.count_model)) or {}
        return int(row.get("PROMPTS") or 0), int(row.get("INPUT_TOKENS") or 0)
    if relabel_all:
        return run(None)
    try:
        return run(spec.table)
    except SnowflakeStatementError as exc:
        if exc.errno == DOES_NOT_EXIST:
            return run(None)
        raise


def labelling_plan(session: Session, news: Mapping[str, Any], unknown: set[str],
                   rates: Mapping[str, float]) -> dict[str, Any]:
    """The plan for checked inputs `news` (`unknown`: keys a preview does not know yet)."""
    teacher_unknown = bool(unknown & {"teacher_model", "teacher_job_id"})
    probe = {k: v for k, v in news.items() if k in DistillationSpec.model_fields and k not in unknown}
    if teacher_unknown:
        probe["teacher_model"] = _PLACEHOLDER_TEACHER
    spec = DistillationSpec.model_validate(probe)
    prompts, input_tokens = _measure(session, spec, relabel_all=teacher_unknown)
    plan: dict[str, Any] = {
        "teacher_model": None if teacher_unknown else spec.teacher_model,
        "prompts": prompts,
        "input_tokens": input_tokens,
        "max_output_tokens": prompts * spec.max_tokens if spec.max_tokens else None,
        "estimated_complete_tokens": input_tokens + prompts * (spec.max_tokens or 0),
        "token_method": f"SNOWFLAKE.CORTEX.COUNT_TOKENS({spec.count_model})" if spec.count_model
        else "~4 characters/token estimate",
    }
    notes = []
    if teacher_unknown:
        notes.append("the teacher is trained or retrained in this `up`: every prompt is labelled by it")
    if not spec.max_tokens:
        notes.append("no max_tokens: output tokens are not bounded, the estimate counts input tokens only")
    if notes:
        plan["note"] = "; ".join(notes)
    rate = rates.get(spec.count_model or "")
    if rate is not None:
        plan["credits_per_million_tokens"] = rate
        plan["estimated_credits"] = estimated_credits(plan["estimated_complete_tokens"], rate)
    return plan
