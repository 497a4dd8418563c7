"""The ModelEvaluation Pulumi resource: a gate in front of a model's rollout.

    gate = ModelEvaluation("support-eval", model=model.model, model_job_id=model.job_id,
                           baseline_model="llama3.1-8b", eval_query=holdout.training_query,
                           metric="json_keys", threshold=0.8)
    ModelUsageGrant(..., opts=pulumi.ResourceOptions(depends_on=[gate]))

create/update fail when the model scores below `threshold` or below the baseline (both scores in the
message); Pulumi then skips everything that depends on the gate. Pass the model's `job_id` so a
retrained model is evaluated again; an unchanged model is not re-evaluated on every `up`.
"""

from __future__ import annotations

from typing import Any

import pulumi

from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.evaluation import EvaluationCore


class EvaluationProvider(CoreProvider):
    core = EvaluationCore()


class ModelEvaluation(CortexResource):
    """Outputs: model_score, baseline_score, rows_evaluated, passed (always true once created: a
    failing gate fails the step), reason."""

    model_score: pulumi.Output[float]
    baseline_score: pulumi.Output[float]
    rows_evaluated: pulumi.Output[int]
    passed: pulumi.Output[bool]
    reason: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        model: pulumi.Input[str],
        eval_query: pulumi.Input[str],
        metric: str,
        threshold: float = 0.0,
        baseline_model: pulumi.Input[str] | None = None,
        model_job_id: pulumi.Input[str] | None = None,
        baseline_job_id: pulumi.Input[str] | None = None,
        max_rows: int = 200,
        max_tokens: int | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "model": model,
            "eval_query": eval_query,
            "metric": metric,
            "threshold": threshold,
            "baseline_model": baseline_model,
            "model_job_id": model_job_id,
            "baseline_job_id": baseline_job_id,
            "max_rows": max_rows,
            "max_tokens": max_tokens,
            "model_score": None,
            "baseline_score": None,
            "rows_evaluated": None,
            "passed": None,
            "reason": None,
        }
        super().__init__(EvaluationProvider(), resource_name, props, kind_options(opts))
