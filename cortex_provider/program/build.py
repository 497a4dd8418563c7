"""Turn a validated StackSpec into resources, wired so one `pulumi up` from empty runs in order.

Order: access grants -> training views -> fine-tuned models (depend on grants and views) ->
usage grants on each model -> shares and replication of the models (depend on the models; a share's
`releases` put the release endpoints in it, after the releases).
A region stack's `consume` section (models another stack replicates here) is built by consume.py.
"""

from __future__ import annotations

from typing import Any

import pulumi

from cortex_provider.errors import InvalidInput
from cortex_provider.program.access import build_ai_access
from cortex_provider.program.distill import (
    build_distillations,
    build_evaluations,
    gates_for,
    view_ready,
    view_source,
    with_labels,
)
from cortex_provider.program.mounts import build_mounts, export_mounts
from cortex_provider.program.registered import Registered, slug
from cortex_provider.program.releases import build_releases, export_releases
from cortex_provider.program.spec import ModelSpec, StackSpec, TrainingViewSpec
from cortex_provider.pulumi.finetuned_model import FineTunedModel
from cortex_provider.pulumi.grants import CortexUserGrant, ModelCreatorGrant, ModelUsageGrant
from cortex_provider.pulumi.replication import ModelReplication
from cortex_provider.pulumi.share import ModelShare
from cortex_provider.pulumi.training_view import TrainingView
from cortex_provider.resources.training_view_spec import training_query_for


def _base_model_and_epochs(spec: StackSpec, view: str) -> tuple[str | None, int | None]:
    """The base model and epochs of the first model or release trained on `view`: the view's limits and
    cost are theirs."""
    for t in [*spec.models, *spec.releases]:
        if view in (t.training_view, t.validation_view):
            epochs = t.options.get("max_epochs")
            return t.base_model, int(epochs) if isinstance(epochs, int | float) else None
    return None, None


def _build_access(spec: StackSpec, out: Registered) -> None:
    for role in spec.access.cortex_users:
        out.grants.append(CortexUserGrant(f"cortex-user-{slug(role)}", role=role))
    for role in spec.access.model_creators:
        out.grants.append(
            ModelCreatorGrant(f"model-creator-{slug(role)}", role=role, database=spec.database,
                              schema=spec.schema_)
        )


def _build_views(spec: StackSpec, out: Registered) -> None:
    """Register every view not registered yet whose source is ready (build calls it again after each model:
    a view over a distillation whose teacher is a model of this stack waits for that model)."""
    for v in spec.training_views:
        if v.name in out.views or not view_ready(v, out):
            continue
        base_model, epochs = _base_model_and_epochs(spec, v.name)
        parts: dict[str, Any] = {"source": v.source, "prompt_expr": v.prompt, "completion_expr": v.completion}
        parts.update(view_source(spec, v, out))  # a view over a distillation's label table
        out.views[v.name] = TrainingView(
            f"view-{slug(v.name)}", database=spec.database, schema=spec.schema_, name=v.name,
            query=v.query, where=v.where, base_model=base_model, epochs=epochs, adopt=v.adopt, **parts,
        )


def _view_query(spec: StackSpec, out: Registered, view: str) -> Any:
    """The view's `training_query`, known at plan time (the model depends_on the view for ordering).
    The view's output would be unknown in a preview that updates the view (a new base model re-checks
    its limits), leaving the plan unable to show the retrain's cost."""
    try:
        return training_query_for(spec.database, spec.schema_, view)
    except InvalidInput:  # a malformed name: the view's own check reports it
        return out.views[view].training_query


def _definition(spec: StackSpec, view: str | None) -> str | None:
    """The view's declared body: when it changes, the model trained on it is retrained (a replace),
    even though the query the model reads (`SELECT prompt, completion FROM <view>`) stays the same."""
    found: TrainingViewSpec | None = next((v for v in spec.training_views if v.name == view), None)
    return None if found is None else found.model_dump_json(exclude={"name", "adopt"})  # adopt is no data


def _build_model(spec: StackSpec, m: ModelSpec, out: Registered) -> FineTunedModel:
    training: Any = _view_query(spec, out, m.training_view) if m.training_view else m.training_query
    validation: Any = _view_query(spec, out, m.validation_view) if m.validation_view else m.validation_query
    deps: list[pulumi.Resource] = [*out.grants, *out.views.values()]
    model = FineTunedModel(
        f"model-{slug(m.name)}", model_name=m.name, database=spec.database, schema_name=spec.schema_,
        base_model=m.base_model, training_query=training, validation_query=validation,
        options=dict(m.options), wait=m.wait, timeout_minutes=m.timeout_minutes,
        retain_on_delete=m.retain_on_delete, retrain_on=m.retrain_on, adopt=m.adopt,
        training_definition=with_labels(spec, m.training_view, _definition(spec, m.training_view), out),
        validation_definition=with_labels(spec, m.validation_view, _definition(spec, m.validation_view), out),
        opts=pulumi.ResourceOptions(depends_on=deps),
    )
    gates = build_evaluations(spec, m, model, out)  # usage grants wait for the model's gates
    for role in m.usage_roles:
        out.others.append(
            ModelUsageGrant(f"model-usage-{slug(m.name)}-{slug(role)}", role=role, model=model.model,
                            opts=pulumi.ResourceOptions(depends_on=[model, *gates]))
        )
    return model


def _build_distribution(spec: StackSpec, out: Registered) -> None:
    """Shares (same region) and replication (other regions) of the trained models (after their gates)."""
    for s in spec.shares:
        models = [out.models[m] for m in s.models]
        releases = [out.releases[r] for r in s.releases]  # granted once the endpoint exists (and passed its gate)
        out.shares[s.name] = ModelShare(
            f"share-{slug(s.name)}", name=s.name, database=spec.database, schema=spec.schema_,
            models=[m.model for m in models], consumer_accounts=s.consumer_accounts,
            functions=[r.endpoint for r in releases], adopt=s.adopt,
            opts=pulumi.ResourceOptions(depends_on=[*models, *releases, *gates_for(out, s.models)]),
        )
    for r in spec.replication:
        names = r.refresh_on if r.refresh_on is not None else list(out.models)
        models = [out.models[m] for m in names]
        # A new training run changes the job id; the changed token makes `up` refresh every target.
        token = pulumi.Output.all(*(m.job_id for m in models)).apply(lambda ids: ",".join(str(i) for i in ids))
        out.replications[r.group] = ModelReplication(
            f"replication-{slug(r.group)}", group=r.group, databases=r.databases,
            target_accounts=r.target_accounts, schedule=r.schedule, refresh_token=token, adopt=r.adopt,
            opts=pulumi.ResourceOptions(depends_on=[*models, *gates_for(out, names)]),
        )


def build(spec: StackSpec) -> Registered:
    out = Registered()
    _build_access(spec, out)
    build_ai_access(spec, out)  # per-role AI access, then the lockdown (program/access.py)
    build_distillations(spec, out)  # teacher labels first: training views may read them
    _build_views(spec, out)
    for m in spec.models:
        out.models[m.name] = _build_model(spec, m, out)
        build_distillations(spec, out)  # those this model teaches, then the views over their labels
        _build_views(spec, out)
    build_releases(spec, out)
    _build_distribution(spec, out)
    if spec.consume is not None:
        from cortex_provider.program.consume import build_consume  # it imports `slug` from here

        grants, out.consumed = build_consume(spec.consume)
        out.others.extend(grants)
    out.mounts = build_mounts(spec.shared_models, out.grants)  # a consumer's mounts of other stacks' shares
    return out


def _whole(value: Any) -> Any:
    """Token counts cross the engine as protobuf doubles; show them as the integers they are."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def export_outputs(out: Registered) -> None:
    """Stack outputs a reviewer and an operator read: per model its job, status and cost."""
    for name, model in out.models.items():
        pulumi.export(f"model:{name}", pulumi.Output.all(
            model.model, model.status, model.job_id, model.trained_tokens, model.estimated_trained_tokens,
            model.local_engine,
        ).apply(lambda v: {
            "model": v[0], "status": v[1], "job_id": v[2], "trained_tokens": _whole(v[3]),
            "estimated_trained_tokens": _whole(v[4]),
            # only where a DESCRIBE names the engine that stood in (Snowflake's never does)
            **({"local_engine": v[5]} if v[5] is not None else {}),
        }))
    for name, view in out.views.items():
        pulumi.export(f"view:{name}", view.fqn)
    for name, share in out.shares.items():
        pulumi.export(f"share:{name}", share.share_ref)
    for group, rep in out.replications.items():
        pulumi.export(f"replication:{group}", rep.replicas)
    for name, info in out.consumed.items():
        pulumi.export(f"consumed:{name}", info)
    export_mounts(out.mounts)
    export_releases(out)
    from cortex_provider.program.distill import export_distill

    export_distill(out)
