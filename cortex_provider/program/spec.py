"""The declarative section of a stack config (`cortex:spec`), validated before any resource exists.

A pull request that changes a model is a small YAML diff of this structure; a mistake fails here
with the file, the key path and the fix, before anything is registered or sent to Snowflake.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

BaseModelName = Literal[
    "llama3-8b", "llama3-70b", "llama3.1-8b", "llama3.1-70b", "mistral-7b", "mixtral-8x7b",
    "llama3.2-1b", "llama3.2-3b",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccessSpec(_Strict):
    cortex_users: list[str] = Field(default_factory=list, description="roles granted SNOWFLAKE.CORTEX_USER")
    model_creators: list[str] = Field(
        default_factory=list, description="roles granted USAGE + CREATE MODEL on the models schema"
    )


class TrainingViewSpec(_Strict):
    name: str
    query: str | None = None
    source: str | None = None
    prompt: str | None = Field(None, description="SQL expression for the prompt column (with source)")
    completion: str | None = Field(None, description="SQL expression for the completion column (with source)")
    where: str | None = None

    @model_validator(mode="after")
    def _query_or_parts(self) -> TrainingViewSpec:
        parts = (self.source, self.prompt, self.completion)
        if (self.query is None) == all(p is None for p in parts):
            raise ValueError("give either `query`, or `source` + `prompt` + `completion` (not both)")
        if self.query is None and any(p is None for p in parts):
            raise ValueError("`source`, `prompt` and `completion` go together; one is missing")
        return self


class ModelSpec(_Strict):
    name: str
    base_model: BaseModelName
    training_view: str | None = Field(None, description="name of an entry in training_views")
    training_query: str | None = None
    validation_view: str | None = None
    validation_query: str | None = None
    options: dict[str, Any] = Field(default_factory=lambda: {"max_epochs": 1})
    wait: Literal["none", "running", "succeeded"] = "succeeded"
    timeout_minutes: int = Field(120, gt=0)
    retain_on_delete: bool = True
    retrain_on: Literal["spec", "data"] = "spec"
    usage_roles: list[str] = Field(default_factory=list, description="roles granted USAGE on the model")

    @model_validator(mode="after")
    def _one_training_source(self) -> ModelSpec:
        if (self.training_view is None) == (self.training_query is None):
            raise ValueError("give exactly one of `training_view` or `training_query`")
        if self.validation_view is not None and self.validation_query is not None:
            raise ValueError("give at most one of `validation_view` or `validation_query`")
        return self


class ShareSpec(_Strict):
    name: str
    models: list[str] = Field(description="names under `models` (shared from the stack's database/schema)")
    consumer_accounts: list[str] = Field(default_factory=list, description="ORG.ACCOUNT or ACCOUNT")


class ReplicationSpec(_Strict):
    group: str
    databases: list[str]
    target_accounts: list[str] = Field(description="ORG.ACCOUNT or ACCOUNT, one per region")
    schedule: str | None = None
    refresh_on: list[str] | None = Field(
        None, description="models whose new training triggers a refresh of every target (default: all)"
    )


class StackSpec(_Strict):
    database: str = Field(description="default database for views and models")
    schema_: str = Field(alias="schema", description="default schema for views and models")
    access: AccessSpec = Field(default_factory=AccessSpec)
    training_views: list[TrainingViewSpec] = Field(default_factory=list)
    models: list[ModelSpec] = Field(default_factory=list)
    shares: list[ShareSpec] = Field(default_factory=list)
    replication: list[ReplicationSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> StackSpec:
        views = {v.name for v in self.training_views}
        for i, m in enumerate(self.models):
            for key in ("training_view", "validation_view"):
                ref = getattr(m, key)
                if ref is not None and ref not in views:
                    raise ValueError(
                        f"models[{i}].{key} = {ref!r} names no entry of training_views "
                        f"(known: {', '.join(sorted(views)) or 'none'}); add the view or fix the name"
                    )
        models = {m.name for m in self.models}
        for i, s in enumerate(self.shares):
            unknown = [m for m in s.models if m not in models]
            if unknown:
                raise ValueError(f"shares[{i}].models: {unknown} are not declared under models")
        for i, r in enumerate(self.replication):
            unknown = [m for m in (r.refresh_on or []) if m not in models]
            if unknown:
                raise ValueError(f"replication[{i}].refresh_on: {unknown} are not declared under models")
        for kind, names in (("training_views", [v.name for v in self.training_views]),
                            ("models", [m.name for m in self.models])):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{kind}: duplicate names {dupes}; each name must be unique")
        return self


class StackConfigError(ValueError):
    """The stack's `cortex:spec` is invalid; the message names file, key and fix."""


def parse_stack_spec(raw: Any, source: str) -> StackSpec:
    """Validate the raw `cortex:spec` value read from `source` (the stack file, for messages)."""
    if raw is None:
        raise StackConfigError(f"{source}: `cortex:spec` is missing. Fix: add a `cortex:spec:` mapping "
                               "(see stacks/Pulumi.local.yaml for an example)")
    try:
        return StackSpec.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
            problems.append(f"  cortex:spec{path}: {str(err['msg']).removeprefix('Value error, ')}")
        raise StackConfigError(f"{source}: invalid stack config\n" + "\n".join(problems)) from None
