"""Per model, what a planned change will train: read from the `training_plan` input the provider's
check computes (finetune_plan.py). A create trains, a replace retrains; other steps train nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cortex_provider.review.changes import Change
from cortex_provider.review.kinds import is_unknown
from cortex_provider.review.policies import planned_tokens


@dataclass(frozen=True)
class ModelCost:
    resource: str
    model: str | None
    action: str  # train | retrain
    base_model: str | None
    rows: int | None
    estimated_trained_tokens: int | None
    epochs: int | None
    changed: list[str] = field(default_factory=list)
    note: str | None = None
    token_method: str | None = None  # how the tokens were counted (COUNT_TOKENS, or the labelled estimate)
    estimated_credits: float | None = None  # only when the stack declares a rate for the base model
    credits_per_million_tokens: float | None = None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_unknown(value) else None


def model_cost(change: Change) -> ModelCost | None:
    """The training a FineTunedModel change causes, or None when it trains nothing."""
    if change.kind != "FineTunedModel" or change.op not in ("create", "replace"):
        return None
    props: Mapping[str, Any] = change.new
    raw = props.get("training_plan")
    plan: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    opts = props.get("options")
    epochs = _int(plan.get("epochs")) or (_int(opts.get("max_epochs")) if isinstance(opts, Mapping) else None)
    note = plan.get("note") if plan else "no training_plan input (provider without cost planning)"
    return ModelCost(
        resource=change.name,
        model=_text(props.get("name")),
        action="retrain" if change.op == "replace" else "train",
        base_model=_text(plan.get("base_model")) or _text(props.get("base_model")),
        rows=_int(plan.get("rows")),
        estimated_trained_tokens=planned_tokens(props),
        epochs=epochs,
        changed=[str(c) for c in plan.get("changed") or change.changed if c != "training_plan"],
        note=str(note) if note else None,
        token_method=_text(plan.get("token_method")),
        estimated_credits=_float(plan.get("estimated_credits")),
        credits_per_million_tokens=_float(plan.get("credits_per_million_tokens")),
    )


def model_costs(changes: Iterable[Change]) -> list[ModelCost]:
    return [c for c in (model_cost(ch) for ch in changes) if c is not None]
