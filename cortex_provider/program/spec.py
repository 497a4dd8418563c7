"""The declarative section of a stack config (`cortex:spec`), validated before any resource exists.

A pull request that changes a model is a small YAML diff of this structure; a mistake fails here
with the file, the key path and the fix, before anything is registered or sent to Snowflake.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cortex_provider.program.mounts import SharedModelsEntry, unique_databases
from cortex_provider.program.releases import ReleaseEntry, check_release_refs

# cortex_provider/catalogue.py: llama3.1-8b is the current fine-tunable model; the older five are still
# accepted (adoption); llama3.2-1b/3b were never fine-tunable.
BaseModelName = Literal[
    "llama3.1-8b", "llama3-8b", "llama3-70b", "llama3.1-70b", "mistral-7b", "mixtral-8x7b",
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
    distillation: str | None = Field(
        None, description="name of an entry in distillations: the view reads its labelled table"
    )

    @model_validator(mode="after")
    def _query_or_parts(self) -> TrainingViewSpec:
        parts = (self.source, self.prompt, self.completion)
        if self.distillation is not None:
            if self.query is not None or any(p is not None for p in parts):
                raise ValueError("`distillation` is the view's source: leave out query/source/prompt/completion")
            return self
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
    models: list[str] = Field(
        default_factory=list, description="names under `models` (shared from the stack's database/schema)"
    )
    releases: list[str] = Field(
        default_factory=list,
        description="names under `releases`: their endpoint (a secure function) is shared, so a consumer calls "
        "<mounted database>.<schema>.<NAME>(prompt) and gets the serving version (the versions stay unshared)",
    )
    consumer_accounts: list[str] = Field(default_factory=list, description="ORG.ACCOUNT or ACCOUNT")


class ReplicationSpec(_Strict):
    group: str
    databases: list[str]
    target_accounts: list[str] = Field(description="ORG.ACCOUNT or ACCOUNT, one per region")
    schedule: str | None = None
    refresh_on: list[str] | None = Field(
        None, description="models whose new training triggers a refresh of every target (default: all)"
    )


class ConsumeSpec(_Strict):
    """A region's use of models that another stack (the primary) trains and replicates here."""

    stack: str = Field(description="the primary stack: `primary` or `org/project/primary`")
    models: list[str] = Field(min_length=1, description="names under the primary stack's `models`")
    cortex_users: list[str] = Field(default_factory=list, description="regional roles granted CORTEX_USER")
    usage_roles: list[str] = Field(
        default_factory=list, description="regional roles granted USAGE on each replicated model"
    )

    @model_validator(mode="after")
    def _well_formed(self) -> ConsumeSpec:
        parts = self.stack.split("/")
        if len(parts) not in (1, 3) or not all(re.fullmatch(r"[A-Za-z0-9_.-]+", p) for p in parts):
            raise ValueError(f"stack = {self.stack!r}: give a stack name (`primary`) or `org/project/stack`")
        for key in ("models", "cortex_users", "usage_roles"):
            names: list[str] = getattr(self, key)
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{key}: duplicate names {dupes}; list each once")
        return self


class DistillationEntry(_Strict):
    """A teacher model's completions of a prompt set, labelled in Snowflake into <database>.<schema>.<name>."""

    name: str = Field(description="the label table's name (in the stack's database and schema)")
    teacher_model: str = Field(description="a Cortex model name, e.g. llama3.1-405b")
    prompts_query: str = Field(description="SELECT ... AS prompt FROM ...")
    instructions: str = ""
    max_tokens: int | None = Field(None, gt=0)
    prune: bool = True
    retain_on_delete: bool = True


class EvaluationEntry(_Strict):
    """A gate on a model's rollout: its usage grants, shares and replication wait for it to pass."""

    model: str = Field(description="name under models")
    eval_view: str | None = Field(None, description="name of an entry in training_views (held-out rows)")
    eval_query: str | None = None
    metric: Literal["exact_match", "json_keys", "similarity"]
    threshold: float = Field(0.0, ge=0.0, le=1.0)
    baseline_model: str | None = Field(None, description="a Cortex model name, or a name under models")
    max_rows: int = Field(200, gt=0)
    max_tokens: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> EvaluationEntry:
        if (self.eval_view is None) == (self.eval_query is None):
            raise ValueError("give exactly one of `eval_view` or `eval_query`")
        return self


class StackSpec(_Strict):
    database: str = Field(description="default database for views and models")
    schema_: str = Field(alias="schema", description="default schema for views and models")
    access: AccessSpec = Field(default_factory=AccessSpec)
    training_views: list[TrainingViewSpec] = Field(default_factory=list)
    models: list[ModelSpec] = Field(default_factory=list)
    releases: list[ReleaseEntry] = Field(default_factory=list, description="versioned models (releases.py)")
    shares: list[ShareSpec] = Field(default_factory=list)
    replication: list[ReplicationSpec] = Field(default_factory=list)
    consume: ConsumeSpec | None = Field(None, description="models replicated here from another stack")
    distillations: list[DistillationEntry] = Field(default_factory=list)
    evaluations: list[EvaluationEntry] = Field(default_factory=list)
    shared_models: Annotated[list[SharedModelsEntry], AfterValidator(unique_databases)] = Field(
        default_factory=list, description="other stacks' shares mounted in this account (mounts.py)"
    )
    credit_rates: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict,
        description="credits per million trained tokens, by base model, as your Snowflake consumption table "
        "lists them (none is built in); the plan and the PR comment show credits for these",
    )

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
            releases = {r.name for r in self.releases}
            unknown = [r for r in s.releases if r not in releases]
            if unknown:
                raise ValueError(f"shares[{i}].releases: {unknown} are not declared under releases "
                                 f"(known: {', '.join(sorted(releases)) or 'none'}); add the release or fix the name")
        for i, r in enumerate(self.replication):
            unknown = [m for m in (r.refresh_on or []) if m not in models]
            if unknown:
                raise ValueError(f"replication[{i}].refresh_on: {unknown} are not declared under models")
        _check_distill_refs(self, views, models)
        check_release_refs(self)
        if self.consume is not None:
            both = sorted(set(self.consume.cortex_users) & set(self.access.cortex_users))
            if both:
                raise ValueError(f"consume.cortex_users: {both} are already under access.cortex_users; "
                                 "list each role in one place")
        for kind, names in (("training_views", [v.name for v in self.training_views]),
                            ("models", [m.name for m in self.models]),
                            ("distillations", [d.name for d in self.distillations])):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{kind}: duplicate names {dupes}; each name must be unique")
        return self


def _check_distill_refs(spec: StackSpec, views: set[str], models: set[str]) -> None:
    """training_views[].distillation and evaluations[] name entries that exist."""
    labels = {d.name for d in spec.distillations}
    for i, v in enumerate(spec.training_views):
        if v.distillation is not None and v.distillation not in labels:
            raise ValueError(f"training_views[{i}].distillation = {v.distillation!r} names no entry of "
                             f"distillations (known: {', '.join(sorted(labels)) or 'none'})")
    for i, e in enumerate(spec.evaluations):
        if e.model not in models:
            raise ValueError(f"evaluations[{i}].model = {e.model!r} is not declared under models")
        if e.eval_view is not None and e.eval_view not in views:
            raise ValueError(f"evaluations[{i}].eval_view = {e.eval_view!r} names no entry of training_views")
        order = [m.name for m in spec.models]
        if e.baseline_model == e.model:
            raise ValueError(f"evaluations[{i}].baseline_model: a model cannot be its own baseline")
        if e.baseline_model in models and order.index(e.baseline_model) > order.index(e.model):
            raise ValueError(f"evaluations[{i}].baseline_model = {e.baseline_model!r}: declare it under models "
                             f"before {e.model!r} (the gate is registered right after its model)")


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
