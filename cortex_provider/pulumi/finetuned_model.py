"""The FineTunedModel Pulumi resource and its dynamic provider (a thin layer over FineTunedModelCore).

Program side: pass the TrainingView's `training_query` output (and, with retrain_on="data", its
`data_fingerprint` output) and `depends_on` the grants, so one `pulumi up` from empty runs in order.

Provider side, beyond the generic CoreProvider:
- check tolerates unknown inputs (preview before the TrainingView exists) and, with retrain_on="data"
  and no `data_fingerprint` input, measures the fingerprint with one read-only aggregate SELECT (no
  side effects; if the data is not readable yet the field stays empty and create measures it).
- check adds the computed input `training_plan` (action train/retrain, base model, rows, estimated
  trained tokens) when the model is new or a retraining field changed, else carries the old one, so
  `pulumi preview --diff` shows the cost of a retrain and a no-op stays a no-op (finetune_plan.py).
- Pulumi's customTimeouts are not passed to dynamic providers by the SDK; `timeout_minutes` is the
  way to bound a wait.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, Resource
from pulumi.runtime.rpc import UNKNOWN

from cortex_provider.errors import CortexProviderError
from cortex_provider.pulumi.base import CoreProvider, unknown_keys, without_provider
from cortex_provider.pulumi.connection import session_for_provider, stack_config
from cortex_provider.resources.credits import rates_from_stack_config
from cortex_provider.resources.finetune_costs import fingerprint
from cortex_provider.resources.finetune_outputs import OUTPUT_KEYS
from cortex_provider.resources.finetune_plan import PLAN_KEY, plan_for, preflight_measure
from cortex_provider.resources.finetuned_model import FineTunedModelCore

# Stand-ins for unknown inputs during preview, so the known fields are still validated.
_PLACEHOLDERS: dict[str, Any] = {
    "name": "UNKNOWN_DB.UNKNOWN_SCHEMA.UNKNOWN_MODEL",
    "training_query": "SELECT 'p' AS prompt, 'c' AS completion",
    "validation_query": None,
    "base_model": "llama3-8b",
    "database": None,
    "schema_name": None,
    "data_fingerprint": None,
    "training_definition": None,
    "validation_definition": None,
}


class FineTunedModelProvider(CoreProvider):
    core = FineTunedModelCore()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = without_provider(news)
        unknown = unknown_keys(props)
        probe = {k: (_PLACEHOLDERS.get(k) if k in unknown else v) for k, v in props.items()}
        checked = self.core.check({}, probe)
        failures = [CheckFailure(f.property, f.reason) for f in checked.failures
                    if f.property.split(".")[0] not in unknown]
        if checked.failures:
            return CheckResult(props, failures)
        inputs = dict(checked.inputs)
        for key in unknown:
            inputs[key] = UNKNOWN
        if not unknown and inputs.get("retrain_on") == "data" and not inputs.get("data_fingerprint"):
            # not readable yet (created in this same `up`)? then create measures it
            with contextlib.suppress(CortexProviderError):
                inputs["data_fingerprint"] = fingerprint(session_for_provider(), inputs["training_query"])
        olds = without_provider(_olds)
        rates = rates_from_stack_config(stack_config())  # declared credit rates (credits.py)
        plan = plan_for(olds, inputs, unknown, preflight_measure(session_for_provider), rates)
        if plan is not None:  # the cost of a (re)train, shown in the plan's diff (finetune_plan.py)
            inputs[PLAN_KEY] = plan
        return CheckResult(inputs, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Unknown inputs (preview, upstream being replaced) count as changed: a replace when the field
        retrains. The real `up` diffs again with known values, where the name-conflict check runs."""
        news = without_provider(_news)
        unknown = unknown_keys(news)
        if not unknown:
            return super().diff(_id, _olds, _news)
        probe = {k: (_olds.get(k) if k in unknown else v) for k, v in news.items()}
        d = self.core.diff(_id, without_provider(_olds), probe)
        replaces = sorted(set(d.replaces) | (unknown & self.core.replace_on))
        return DiffResult(changes=True, replaces=replaces, delete_before_replace=d.delete_before_replace)


class FineTunedModel(Resource):
    """A Cortex fine-tuned model; its id is the model's fully qualified name.

    Outputs: job_id, status (PENDING/IN_PROGRESS/SUCCESS/ERROR/CANCELLED, or MISSING after drift),
    progress, trained_tokens, validation_loss, created_on, finished_on (epoch ms), model, local_engine,
    estimated_trained_tokens (input tokens x epochs), training_rows, data_fingerprint, plus the spec.
    """

    job_id: pulumi.Output[str]
    status: pulumi.Output[str]
    progress: pulumi.Output[float]
    trained_tokens: pulumi.Output[int]
    validation_loss: pulumi.Output[float]
    created_on: pulumi.Output[int]
    finished_on: pulumi.Output[int]
    model: pulumi.Output[str]
    local_engine: pulumi.Output[str]
    estimated_trained_tokens: pulumi.Output[int]
    training_rows: pulumi.Output[int]
    data_fingerprint: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        model_name: pulumi.Input[str],
        base_model: pulumi.Input[str],
        training_query: pulumi.Input[str],
        database: pulumi.Input[str] | None = None,
        schema_name: pulumi.Input[str] | None = None,
        validation_query: pulumi.Input[str] | None = None,
        training_definition: pulumi.Input[str] | None = None,
        validation_definition: pulumi.Input[str] | None = None,
        options: pulumi.Input[dict[str, Any]] | None = None,
        wait: str = "succeeded",
        timeout_minutes: float | None = None,
        retain_on_delete: bool = True,
        retrain_on: str = "spec",
        data_fingerprint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {key: None for key in OUTPUT_KEYS}
        props.update(
            name=model_name,
            database=database,
            schema_name=schema_name,
            base_model=base_model,
            training_query=training_query,
            validation_query=validation_query,
            training_definition=training_definition,
            validation_definition=validation_definition,
            options=options or {},
            wait=wait,
            timeout_minutes=timeout_minutes,
            retain_on_delete=retain_on_delete,
            retrain_on=retrain_on,
            data_fingerprint=data_fingerprint,
        )
        super().__init__(FineTunedModelProvider(), resource_name, props, opts)
