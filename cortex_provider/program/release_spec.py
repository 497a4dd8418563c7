"""The entries of a stack's `releases` section (releases.py builds them into ModelRelease resources)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, model_validator

from cortex_provider.program.fields import BaseModelName, Strict, Trained


class GateEntry(Strict):
    """The promotion gate: the new version and the serving one scored on the same held-out rows."""

    eval_view: str | None = Field(None, description="name of an entry in training_views (held-out rows)")
    eval_query: str | None = None
    metric: Literal["exact_match", "json_keys", "similarity"]
    threshold: float = Field(0.0, ge=0.0, le=1.0)
    max_rows: int = Field(200, gt=0)
    max_tokens: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> GateEntry:
        if (self.eval_view is None) == (self.eval_query is None):
            raise ValueError("give exactly one of `eval_view` or `eval_query`")
        return self


class ReleaseEntry(Trained):
    name: str = Field(description="the endpoint's name; versions are <name>_V1, <name>_V2, ...")
    base_model: BaseModelName = Field(description="one of the fine-tunable base models models[] accepts")
    serving: str | None = Field(None, description="pin the serving version (rollback), e.g. V1")
    keep: int | None = Field(3, ge=1, description="keep the last N versions (the serving one always); null: all")
    gate: GateEntry | None = None
    usage_roles: list[str] = Field(default_factory=list, description="roles granted USAGE on the endpoint")
    adopt: bool = Field(False, description="take over existing versions no stack's record names; they are then "
                        "released, never dropped, when this stack lets them go")


def check_release_refs(releases: Sequence[ReleaseEntry], views: set[str], models: set[str]) -> None:
    """Views named by releases exist; release names are unique and are not also model names."""
    names = [r.name for r in releases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"releases: duplicate names {dupes}; each name must be unique")
    for i, r in enumerate(releases):
        if r.name in models:
            raise ValueError(f"releases[{i}].name = {r.name!r} is also under models; give the release its own name")
        refs = [("training_view", r.training_view), ("validation_view", r.validation_view),
                ("gate.eval_view", r.gate.eval_view if r.gate else None)]
        for key, ref in refs:
            if ref is not None and ref not in views:
                raise ValueError(f"releases[{i}].{key} = {ref!r} names no entry of training_views "
                                 f"(known: {', '.join(sorted(views)) or 'none'}); add the view or fix the name")
