"""The stack's `distillations` and `evaluations`: teacher-labelled tables and rollout gates.

Order inside `build`: distillations (after the access grants) -> training views that read them
(`training_views[].distillation`) -> models -> each model's evaluations -> that model's usage grants,
shares and replication, which all depend on its evaluations, so a failing gate keeps a worse model
from being rolled out (Pulumi skips the dependents of a failed step).
A teacher can be a model of this stack (`teacher_model` names an entry of `models`): its distillation
is registered right after that model and its gates, so the teacher is trained, and must pass its gates,
before it labels anything; its job id is part of the label key, so a retrained teacher relabels.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from cortex_provider.program.registered import Registered, slug
from cortex_provider.program.spec import ModelSpec, StackSpec, TrainingViewSpec
from cortex_provider.pulumi.distillation import DistillationDataset
from cortex_provider.pulumi.evaluation import ModelEvaluation
from cortex_provider.pulumi.finetuned_model import FineTunedModel


def label_table(spec: StackSpec, name: str) -> str:
    return f"{spec.database}.{spec.schema_}.{name}"


def build_distillations(spec: StackSpec, out: Registered) -> None:
    """Register every distillation whose teacher is ready: a Cortex model, or a model of this stack that
    is registered already (build calls this again after each model)."""
    models = {m.name: m for m in spec.models}
    for d in spec.distillations:
        if d.name in out.distillations:
            continue
        teacher: Any = d.teacher_model
        job: Any = None
        base: str | None = None
        deps: list[pulumi.Resource] = list(out.grants)
        if d.teacher_model in models:
            if d.teacher_model not in out.models:
                continue  # registered once its teacher is
            model = out.models[d.teacher_model]
            teacher, job, base = model.model, model.job_id, models[d.teacher_model].base_model
            deps += [model, *out.evaluations.get(d.teacher_model, [])]  # a teacher that fails its gate labels nothing
        out.distillations[d.name] = DistillationDataset(
            f"distillation-{slug(d.name)}", teacher_model=teacher, prompts_query=d.prompts_query,
            target_table=label_table(spec, d.name), instructions=d.instructions, max_tokens=d.max_tokens,
            prune=d.prune, retain_on_delete=d.retain_on_delete, teacher_job_id=job, teacher_base_model=base,
            opts=pulumi.ResourceOptions(depends_on=deps),
        )


def view_ready(v: TrainingViewSpec, out: Registered) -> bool:
    """A view can be registered once the distillation it reads (if any) is."""
    return v.distillation is None or v.distillation in out.distillations


def view_source(spec: StackSpec, v: TrainingViewSpec, out: Registered) -> dict[str, Any]:
    """TrainingView arguments for a view over a distillation's label table (empty for other views)."""
    if v.distillation is None:
        return {}
    return {
        "source": label_table(spec, v.distillation), "prompt_expr": "PROMPT", "completion_expr": "COMPLETION",
        "source_ready": out.distillations[v.distillation].fqn,  # the preview probes the view once it exists
        "opts": pulumi.ResourceOptions(depends_on=[out.distillations[v.distillation]]),
    }


def with_labels(spec: StackSpec, view: str | None, definition: str | None, out: Registered) -> Any:
    """A model's training/validation definition, plus the label key of the distillation its view reads: a
    relabelling (a new teacher, a retrained teacher, new instructions) retrains the student, which would
    otherwise keep what it learned from the old labels (the view's text does not change)."""
    found = next((v for v in spec.training_views if v.name == view), None)
    if found is None or found.distillation is None or definition is None:
        return definition
    key = out.distillations[found.distillation].label_key
    return key.apply(lambda k: json.dumps({"view": json.loads(definition), "label_key": k}, sort_keys=True))


def build_evaluations(spec: StackSpec, m: ModelSpec, model: FineTunedModel, out: Registered) -> list[pulumi.Resource]:
    """The gates declared for model `m` (registered right after it); empty when none is declared."""
    gates: list[ModelEvaluation] = []
    for i, e in enumerate(x for x in spec.evaluations if x.model == m.name):
        deps: list[pulumi.Resource] = [model]
        query: Any = e.eval_query
        if e.eval_view is not None:
            query = out.views[e.eval_view].training_query
            deps.append(out.views[e.eval_view])
        baseline: Any = e.baseline_model
        baseline_job: Any = None
        if e.baseline_model in out.models:
            other = out.models[e.baseline_model]
            baseline, baseline_job = other.model, other.job_id
            deps.append(other)
        suffix = f"-{i}" if i else ""
        gates.append(ModelEvaluation(
            f"evaluation-{slug(m.name)}{suffix}", model=model.model, model_job_id=model.job_id,
            eval_query=query, metric=e.metric, threshold=e.threshold, baseline_model=baseline,
            baseline_job_id=baseline_job, max_rows=e.max_rows, max_tokens=e.max_tokens,
            opts=pulumi.ResourceOptions(depends_on=deps),
        ))
    out.evaluations[m.name] = list(gates)
    return list(gates)


def gates_for(out: Registered, models: list[str]) -> list[pulumi.Resource]:
    return [g for name in models for g in out.evaluations.get(name, [])]


def export_distill(out: Registered) -> None:
    for name, d in out.distillations.items():
        pulumi.export(f"distillation:{name}", pulumi.Output.all(
            d.fqn, d.rows_total, d.rows_labelled_this_run, d.complete_input_tokens, d.complete_output_tokens,
        ).apply(lambda v: {"table": v[0], "rows_total": v[1], "rows_labelled_this_run": v[2],
                           "complete_tokens": {"input": v[3], "output": v[4]}}))
    for model, gates in out.evaluations.items():
        for i, g in enumerate(gates):
            assert isinstance(g, ModelEvaluation)
            key = f"evaluation:{model}" + (f":{i}" if i else "")
            pulumi.export(key, pulumi.Output.all(g.model_score, g.baseline_score, g.rows_evaluated, g.passed)
                          .apply(lambda v: {"model_score": v[0], "baseline_score": v[1], "rows_evaluated": v[2],
                                            "passed": v[3]}))
