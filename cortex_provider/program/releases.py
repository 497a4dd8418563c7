"""A stack's `releases` section: models trained into versions behind a stable SQL endpoint (ModelRelease).

    releases:
      - name: SUPPORT                   # the endpoint DB.SCHEMA.SUPPORT(prompt); versions SUPPORT_V1, _V2, ...
        base_model: llama3.1-8b
        training_view: SUPPORT_TRAIN    # or training_query (validation_view / validation_query likewise)
        options: {max_epochs: 1}
        gate: {eval_view: SUPPORT_VALIDATION, metric: exact_match, threshold: 0.5}   # optional
        serving: V1                     # optional: pin a version (rollback, no training)
        keep: 3                         # keep the last N versions (the serving one always)
        usage_roles: [ANALYST]          # USAGE on the endpoint and on the serving version

The database and schema are the stack's. Registered after the access grants and the training views.
Output `release:<NAME>` = {endpoint, serving_version, serving_model, latest, versions}.
A share's `releases: [NAME]` (spec.ShareSpec) puts the endpoint, a secure function, in the share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cortex_provider.errors import InvalidInput
from cortex_provider.program.built import Built, slug
from cortex_provider.pulumi.release import ModelRelease
from cortex_provider.resources.training_view import training_query_for

if TYPE_CHECKING:
    from cortex_provider.program.spec import StackSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateEntry(_Strict):
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


class ReleaseEntry(_Strict):
    name: str = Field(description="the endpoint's name; versions are <name>_V1, <name>_V2, ...")
    base_model: str = Field(description="one of the fine-tunable base models models[] accepts")
    training_view: str | None = Field(None, description="name of an entry in training_views")
    training_query: str | None = None
    validation_view: str | None = None
    validation_query: str | None = None
    options: dict[str, Any] = Field(default_factory=lambda: {"max_epochs": 1})
    serving: str | None = Field(None, description="pin the serving version (rollback), e.g. V1")
    keep: int | None = Field(3, ge=1, description="keep the last N versions (the serving one always); null: all")
    gate: GateEntry | None = None
    usage_roles: list[str] = Field(default_factory=list, description="roles granted USAGE on the endpoint")
    timeout_minutes: int = Field(120, gt=0)
    retain_on_delete: bool = True

    @field_validator("base_model")
    @classmethod
    def _base_model(cls, v: str) -> str:
        from cortex_provider.program.spec import BaseModelName  # spec.py imports this module

        known = get_args(BaseModelName)
        if v not in known:
            raise ValueError(f"base_model {v!r} is not fine-tunable here; use one of {', '.join(known)}")
        return v

    @model_validator(mode="after")
    def _one_training_source(self) -> ReleaseEntry:
        if (self.training_view is None) == (self.training_query is None):
            raise ValueError("give exactly one of `training_view` or `training_query`")
        if self.validation_view is not None and self.validation_query is not None:
            raise ValueError("give at most one of `validation_view` or `validation_query`")
        return self


def check_release_refs(spec: StackSpec) -> None:
    """Views named by releases exist; release names are unique and are not also model names."""
    views = {v.name for v in spec.training_views}
    models = {m.name for m in spec.models}
    names = [r.name for r in spec.releases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"releases: duplicate names {dupes}; each name must be unique")
    for i, r in enumerate(spec.releases):
        if r.name in models:
            raise ValueError(f"releases[{i}].name = {r.name!r} is also under models; give the release its own name")
        refs = [("training_view", r.training_view), ("validation_view", r.validation_view),
                ("gate.eval_view", r.gate.eval_view if r.gate else None)]
        for key, ref in refs:
            if ref is not None and ref not in views:
                raise ValueError(f"releases[{i}].{key} = {ref!r} names no entry of training_views "
                                 f"(known: {', '.join(sorted(views)) or 'none'}); add the view or fix the name")


def _view_query(spec: StackSpec, out: Built, view: str) -> Any:
    """The view's `training_query`, known at plan time (as build.py does for models)."""
    try:
        return training_query_for(spec.database, spec.schema_, view)
    except InvalidInput:  # a malformed name: the view's own check reports it
        return out.views[view].training_query


def _definition(spec: StackSpec, view: str | None) -> str | None:
    """The view's declared body: a change to it trains the next version."""
    found = next((v for v in spec.training_views if v.name == view), None)
    return None if found is None else found.model_dump_json(exclude={"name"})


def build_releases(spec: StackSpec, out: Built) -> None:
    for r in spec.releases:
        training: Any = _view_query(spec, out, r.training_view) if r.training_view else r.training_query
        validation: Any = _view_query(spec, out, r.validation_view) if r.validation_view else r.validation_query
        gate: dict[str, Any] | None = None
        if r.gate is not None:
            query = _view_query(spec, out, r.gate.eval_view) if r.gate.eval_view else r.gate.eval_query
            gate = {"eval_query": query, "metric": r.gate.metric, "threshold": r.gate.threshold,
                    "max_rows": r.gate.max_rows, "max_tokens": r.gate.max_tokens}
        out.releases[r.name] = ModelRelease(
            f"release-{slug(r.name)}", name=r.name, database=spec.database, schema_name=spec.schema_,
            base_model=r.base_model, training_query=training, validation_query=validation,
            training_definition=_definition(spec, r.training_view),
            validation_definition=_definition(spec, r.validation_view),
            options=dict(r.options), serving=r.serving, keep=r.keep, gate=gate, usage_roles=list(r.usage_roles),
            timeout_minutes=r.timeout_minutes, retain_on_delete=r.retain_on_delete,
            opts=pulumi.ResourceOptions(depends_on=[*out.grants, *out.views.values()]),
        )


def export_releases(out: Built) -> None:
    for name, rel in out.releases.items():
        pulumi.export(f"release:{name}", pulumi.Output.all(
            rel.endpoint, rel.serving_version, rel.serving_model, rel.latest, rel.versions,
        ).apply(lambda v: {"endpoint": v[0], "serving_version": v[1], "serving_model": v[2], "latest": v[3],
                           "versions": v[4]}))
