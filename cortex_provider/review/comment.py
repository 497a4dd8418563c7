"""Render a preview as a short Markdown comment for a pull request: what changes, what it trains and
what it costs, and which guardrails it breaks (the same rule functions the policy pack runs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.review.changes import Change, Preview
from cortex_provider.review.costs import ModelCost, model_costs
from cortex_provider.review.labelling import LabellingCost, labelling_costs
from cortex_provider.review.policies import RULES, Planned, Violation, evaluate

MARKER = "<!-- cortex-provider-review -->"  # lets a CI job find and update its own comment
_OPS = ("create", "replace", "update", "delete", "read")
_SYMBOL = {"create": "+", "replace": "+-", "update": "~", "delete": "-", "read": ">"}


def _cell(value: Any) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def _summary(changes: list[Change]) -> str:
    counts = {op: sum(1 for c in changes if c.op == op) for op in (*_OPS, "same")}
    parts = [f"{n} to {op}" for op, n in counts.items() if n and op != "same"]
    if counts["same"]:
        parts.append(f"{counts['same']} unchanged")
    return ", ".join(parts) or "no resources"


def _changes_table(changes: list[Change]) -> list[str]:
    rows = [c for c in changes if c.op != "same"]
    if not rows:
        return ["No resource changes."]
    out = ["| | Resource | Kind | Step | Changed properties |", "|---|---|---|---|---|"]
    for c in rows:
        props = ", ".join(c.changed) if c.changed else ("(new)" if c.op == "create" else "")
        if c.note:
            props = f"{props} ({c.note})" if props else f"({c.note})"
        out.append(f"| {_SYMBOL.get(c.op, '')} | `{_cell(c.name)}` | {_cell(c.kind or c.type)} | {c.op} | "
                   f"{_cell(props)} |")
    return out


def _costs_table(costs: list[ModelCost]) -> list[str]:
    if not costs:
        return ["No model is trained or retrained by this change."]
    priced = any(m.estimated_credits is not None for m in costs)
    head = "| Model | Base model | Training | Rows | Est. trained tokens | Epochs |"
    head += " Est. credits |" if priced else ""
    out = [head + " Why |", "|---|---|---|---|---|---|" + ("---|" if priced else "") + "---|"]
    for m in costs:
        action = "**retrain**" if m.action == "retrain" else m.action
        why = ", ".join(m.changed) if m.action != "train" else "new model"
        if m.note:
            why = f"{why}; {m.note}"
        tokens = _num(m.estimated_trained_tokens)
        if m.estimated_trained_tokens is not None and m.token_method and "COUNT_TOKENS" not in m.token_method:
            tokens += " (~4 chars/token estimate)"
        if m.max_trained_tokens is not None:
            tokens += f" (up to {_num(m.max_trained_tokens)})"
        epochs = f"{_cell(m.epochs)} (assumed: max_epochs unset, Snowflake chooses)" if m.epochs_assumed \
            else _cell(m.epochs)
        credits = ""
        if priced:
            credits = (f" {m.estimated_credits:,.4f} (at {m.credits_per_million_tokens:g}/1M) |"
                       if m.estimated_credits is not None else " no rate declared |")
        out.append(f"| `{_cell(m.model or m.resource)}` | {_cell(m.base_model)} | {action} | {_num(m.rows)} | "
                   f"{tokens} | {epochs} |{credits} {_cell(why)} |")
    known = [m.estimated_trained_tokens for m in costs if m.estimated_trained_tokens is not None]
    total = f"**Total estimated trained tokens: {sum(known):,}**"
    if len(known) < len(costs):
        total += f" ({len(costs) - len(known)} model(s) not measurable yet)"
    out += ["", total + " — billed per trained token (input tokens after truncation x epochs; rows an automatic "
            "validation split holds out are not counted)."]
    credits_known = [m.estimated_credits for m in costs if m.estimated_credits is not None]
    if credits_known:
        out.append(f"**Total estimated credits: {sum(credits_known):,.4f}** — at the rates this stack declares "
                   "(`credit_rates`; Snowflake's consumption table is the source).")
    return out


def _labelling_table(labels: list[LabellingCost], costs: list[ModelCost]) -> list[str]:
    """What each distillation pays its teacher (COMPLETE), then the whole bill beside the training."""
    if not labels:
        return []
    priced = any(c.estimated_credits is not None for c in labels)
    head = "| Labels | Teacher | Prompts to label | Input tokens | Output tokens (at most) | Est. COMPLETE tokens |"
    out = ["", "#### Labelling cost (the teacher's COMPLETE calls)",
           head + (" Est. credits |" if priced else "") + " Note |",
           "|---|---|---|---|---|---|" + ("---|" if priced else "") + "---|"]
    for c in labels:
        credits = ""
        if priced:
            credits = (f" {c.estimated_credits:,.4f} (at {c.credits_per_million_tokens:g}/1M) |"
                       if c.estimated_credits is not None else " no rate declared |")
        tokens = _num(c.input_tokens)
        if c.input_tokens is not None and c.token_method and "COUNT_TOKENS" not in c.token_method:
            tokens += " (~4 chars/token estimate)"
        teacher = c.teacher_model or "trained in this `up`"
        out.append(f"| `{_cell(c.resource)}` | {_cell(teacher)} | {_num(c.prompts)} | {tokens} | "
                   f"{_num(c.max_output_tokens)} | {_num(c.estimated_complete_tokens)} |{credits} {_cell(c.note)} |")
    complete = sum(c.estimated_complete_tokens or 0 for c in labels)
    trained = sum(m.estimated_trained_tokens or 0 for m in costs)
    line = (f"**The whole bill: {complete:,} COMPLETE tokens of labelling + {trained:,} trained tokens of "
            "fine-tuning**")
    credits_known = [x.estimated_credits for x in labels if x.estimated_credits is not None]
    credits_known += [m.estimated_credits for m in costs if m.estimated_credits is not None]
    if credits_known:
        line += f" ({sum(credits_known):,.4f} credits at the declared rates)"
    return [*out, "", line + "."]


def _violations_table(violations: list[Violation]) -> list[str]:
    if not violations:
        return [f"None ({len(RULES)} rules checked)."]
    out = ["| Policy | Resource | Violation |", "|---|---|---|"]
    out += [f"| `{v.rule}` | {_cell(f'`{v.resource}`' if v.resource else '(stack)')} | {_cell(v.message)} |"
            for v in violations]
    return out


def violations_for(preview: Preview, config: Mapping[str, Mapping[str, Any]] | None = None) -> list[Violation]:
    """The rules over every resource the stack will hold after this change (deleted ones excluded)."""
    planned = [p for p in (c.planned for c in preview.changes) if isinstance(p, Planned)]
    return evaluate(planned, preview.stack, config)


def render(preview: Preview, config: Mapping[str, Mapping[str, Any]] | None = None, *, source: str = "") -> str:
    costs = model_costs(preview.changes)
    violations = violations_for(preview, config)
    head = f"### Pulumi preview of stack `{preview.stack}`: {_summary(preview.changes)}"
    lines = [MARKER, head]
    if source:
        lines.append(f"<sub>{_cell(source)}</sub>")
    if preview.errors:
        lines += ["", "**The preview failed:**", *(f"- {_cell(e)}" for e in preview.errors)]
    lines += ["", "#### Changes", *_changes_table(preview.changes)]
    lines += ["", "#### Training cost", *_costs_table(costs)]
    lines += _labelling_table(labelling_costs(preview.changes), costs)
    lines += ["", f"#### Policy violations ({len(violations)})", *_violations_table(violations)]
    return "\n".join(lines) + "\n"
