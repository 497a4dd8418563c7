"""The declarative section of a stack config (`cortex:spec`), validated before any resource exists.

A pull request that changes a model is a small YAML diff of this structure; a mistake fails here
with the file, the key path and the fix, before anything is registered or sent to Snowflake.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, model_validator

from cortex_provider.program.access_spec import AiAccessSpec, check_ai_access, usage_roles
from cortex_provider.program.fields import Strict, Trained
from cortex_provider.program.mounts import SharedModelsEntry, unique_databases
from cortex_provider.program.release_spec import ReleaseEntry, check_release_refs

# resources/ownership.py: an existing object is taken over only when declared (or provably this stack's).
ADOPT_HELP = ("take over the object if it already exists and no stack's record names it; this stack then "
              "releases it, never drops it")


class AccessSpec(Strict):
    cortex_users: list[str] = Field(default_factory=list, description="roles granted SNOWFLAKE.CORTEX_USER")
    model_creators: list[str] = Field(
        default_factory=list, description="roles granted USAGE + CREATE MODEL on the models schema"
    )


class TrainingViewSpec(Strict):
    name: str
    query: str | None = None
    source: str | None = None
    prompt: str | None = Field(None, description="SQL expression for the prompt column (with source)")
    completion: str | None = Field(None, description="SQL expression for the completion column (with source)")
    where: str | None = None
    distillation: str | None = Field(
        None, description="name of an entry in distillations: the view reads its labelled table"
    )
    adopt: bool = Field(False, description=ADOPT_HELP)

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


class ModelSpec(Trained):
    wait: Literal["none", "running", "succeeded"] = "succeeded"
    retrain_on: Literal["spec", "data"] = "spec"
    usage_roles: list[str] = Field(default_factory=list, description="roles granted USAGE on the model")
    adopt: bool = Field(False, description=ADOPT_HELP)


class ShareSpec(Strict):
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
    adopt: bool = Field(False, description=ADOPT_HELP)


class ReplicationSpec(Strict):
    group: str
    databases: list[str]
    target_accounts: list[str] = Field(description="ORG.ACCOUNT or ACCOUNT, one per region")
    schedule: str | None = None
    refresh_on: list[str] | None = Field(
        None, description="models whose new training triggers a refresh of every target (default: all)"
    )
    adopt: bool = Field(False, description=ADOPT_HELP)


class ConsumeSpec(Strict):
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


class DistillationEntry(Strict):
    """A teacher model's completions of a prompt set, labelled in Snowflake into <database>.<schema>.<name>."""

    name: str = Field(description="the label table's name (in the stack's database and schema)")
    teacher_model: str = Field(description="a Cortex model name, e.g. llama3.1-405b, or a name under models "
                               "(trained, and through its gates, before it labels)")
    prompts_query: str = Field(description="SELECT ... AS prompt FROM ...")
    instructions: str = ""
    max_tokens: int | None = Field(None, gt=0)
    prune: bool = True
    retain_on_delete: bool = True


class EvaluationEntry(Strict):
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


class StackSpec(Strict):
    database: str = Field(description="default database for views and models")
    schema_: str = Field(alias="schema", description="default schema for views and models")
    access: AccessSpec = Field(default_factory=AccessSpec)
    ai_access: AiAccessSpec = Field(default_factory=AiAccessSpec,
                                    description="AI functions and base models per role; the lockdown")
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
    complete_credit_rates: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict,
        description="credits per million COMPLETE tokens (input + output), by model, for a teacher's labelling; "
        "the plan and the PR comment show its credits for these",
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
        check_release_refs(self.releases, views, models)
        check_ai_access(self.ai_access, self.access.model_creators,
                        usage_roles([*(m.usage_roles for m in self.models), *(r.usage_roles for r in self.releases)]))
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
    _check_teachers(spec)
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


def _check_teachers(spec: StackSpec) -> None:
    """A teacher from `models` is declared before every model that reads its labels (its distillation
    is registered right after it)."""
    order = [m.name for m in spec.models]
    views = {v.name: v.distillation for v in spec.training_views}
    for i, d in enumerate(spec.distillations):
        if d.teacher_model not in order:
            continue
        for m in spec.models:
            reads = [views.get(x) for x in (m.training_view, m.validation_view) if x is not None]
            reads += [views.get(e.eval_view) for e in spec.evaluations if e.model == m.name and e.eval_view]
            if d.name in reads and order.index(m.name) <= order.index(d.teacher_model):
                raise ValueError(f"distillations[{i}].teacher_model = {d.teacher_model!r}: model {m.name!r} reads "
                                 f"its labels, so declare {m.name!r} after {d.teacher_model!r} under models")


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
