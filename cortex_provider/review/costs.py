"""Per model, what a planned change will train: read from the `training_plan` input the provider's
check computes (resources/finetune/plan.py). A create trains, a replace retrains; other steps train nothing.
A ModelRelease's `release_plan` (release/plan.py) gives the version it trains or adopts and the
versions `keep` drops."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cortex_provider.review.changes import Change
from cortex_provider.review.plan_values import as_float, as_int, as_text
from cortex_provider.review.policies import planned_tokens


@dataclass(frozen=True)
class ModelCost:
    resource: str
    model: str | None
    action: str  # train | retrain; a release: train V3 | adopt V3 | keep
    base_model: str | None
    rows: int | None
    estimated_trained_tokens: int | None
    epochs: int | None
    changed: list[str] = field(default_factory=list)
    note: str | None = None
    token_method: str | None = None  # how the tokens were counted (COUNT_TOKENS, or the labelled estimate)
    estimated_credits: float | None = None  # only when the stack declares a rate for the base model
    credits_per_million_tokens: float | None = None
    # with max_epochs unset: the plan's epochs are assumed (catalogue.EPOCHS_RULE), this the cost at the most
    max_trained_tokens: int | None = None
    epochs_assumed: bool = False



def model_cost(change: Change) -> ModelCost | None:
    """The training a FineTunedModel change causes, or None when it trains nothing."""
    if change.kind != "FineTunedModel" or change.op not in ("create", "replace"):
        return None
    props: Mapping[str, Any] = change.new
    raw = props.get("training_plan")
    plan: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    opts = props.get("options")
    epochs = as_int(plan.get("epochs")) or (as_int(opts.get("max_epochs")) if isinstance(opts, Mapping) else None)
    note = plan.get("note") if plan else "no training_plan input (provider without cost planning)"
    return ModelCost(
        resource=change.name,
        model=as_text(props.get("name")),
        action="retrain" if change.op == "replace" else "train",
        base_model=as_text(plan.get("base_model")) or as_text(props.get("base_model")),
        rows=as_int(plan.get("rows")),
        estimated_trained_tokens=planned_tokens(props),
        epochs=epochs,
        changed=[str(c) for c in plan.get("changed") or change.changed if c != "training_plan"],
        note=str(note) if note else None,
        token_method=as_text(plan.get("token_method")),
        estimated_credits=as_float(plan.get("estimated_credits")),
        credits_per_million_tokens=as_float(plan.get("credits_per_million_tokens")),
        max_trained_tokens=as_int(plan.get("max_trained_tokens")),
        epochs_assumed=bool(plan.get("epochs_rule")),
    )


def release_cost(change: Change) -> ModelCost | None:
    """What a ModelRelease change trains, adopts or drops (its release_plan), or None when nothing."""
    raw = change.new.get("release_plan") if change.kind == "ModelRelease" and change.op != "delete" else None
    if not isinstance(raw, Mapping):
        return None
    train, adopt, drops = as_text(raw.get("train")), as_text(raw.get("adopt")), list(raw.get("drops") or [])
    if train is None and adopt is None and not drops:
        return None
    action = f"train {train}" if train else f"adopt {adopt}" if adopt else "keep"
    note = [f"drops {', '.join(str(d) for d in drops)} (keep)"] if drops else []
    if adopt:
        note.insert(0, "trained earlier from this spec, not promoted: no new job")
    if raw.get("note"):
        note.append(str(raw["note"]))
    opts = change.new.get("options")
    return ModelCost(
        resource=change.name, model=as_text(change.new.get("name")), action=action,
        base_model=as_text(change.new.get("base_model")), rows=as_int(raw.get("rows")),
        estimated_trained_tokens=as_int(raw.get("estimated_trained_tokens")) if train else 0,
        epochs=as_int(opts.get("max_epochs")) if isinstance(opts, Mapping) else None,
        changed=[str(c) for c in change.changed if c != "release_plan"], note="; ".join(note) or None,
        max_trained_tokens=as_int(raw.get("max_trained_tokens")),
    )


def model_costs(changes: Iterable[Change]) -> list[ModelCost]:
    return [c for c in (model_cost(ch) or release_cost(ch) for ch in changes) if c is not None]
