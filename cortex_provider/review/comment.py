"""Render a preview as a short Markdown comment for a pull request: what changes, what it trains and
what it costs, and which guardrails it breaks (the same rule functions the policy pack runs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.review.changes import Change, Preview
from cortex_provider.review.costs import ModelCost, model_costs
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
        action = "**retrain**" if m.action == "retrain" else "train"
        why = ", ".join(m.changed) if m.action == "retrain" else "new model"
        if m.note:
            why = f"{why}; {m.note}"
        tokens = _num(m.estimated_trained_tokens)
        if m.estimated_trained_tokens is not None and m.token_method and "COUNT_TOKENS" not in m.token_method:
            tokens += " (~4 chars/token estimate)"
        credits = ""
        if priced:
            credits = (f" {m.estimated_credits:,.4f} (at {m.credits_per_million_tokens:g}/1M) |"
                       if m.estimated_credits is not None else " no rate declared |")
        out.append(f"| `{_cell(m.model or m.resource)}` | {_cell(m.base_model)} | {action} | {_num(m.rows)} | "
                   f"{tokens} | {_cell(m.epochs)} |{credits} {_cell(why)} |")
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
    lines += ["", f"#### Policy violations ({len(violations)})", *_violations_table(violations)]
    return "\n".join(lines) + "\n"
