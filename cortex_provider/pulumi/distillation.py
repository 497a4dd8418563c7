"""The DistillationDataset Pulumi resource (a thin layer over DistillationCore).

    labels = DistillationDataset("support-labels", teacher_model="llama3.1-405b",
                                 prompts_query="SELECT NOTE AS prompt FROM CORTEX_DEMO.RAW.SUPPORT_NOTES",
                                 instructions="Extract the condition as JSON: ",
                                 target_table="CORTEX_DEMO.MODELS.SUPPORT_LABELS")
    TrainingView(..., query=labels.training_query)  # or FineTunedModel(training_query=labels.training_query)

Provider side, beyond CoreProvider: `check` measures `prompts_fingerprint` (one read-only aggregate
SELECT over the distinct prompts) whenever every input is known, so new prompts make a diff and the
next `up` labels them; when the prompts are not readable yet (created in this same `up`) it stays
empty and create measures it. It also adds the computed input `labelling_plan` (prompts the teacher
will label and their COMPLETE tokens; resources/distillation_plan.py) for a new dataset or when an input
that relabels changed, else carries the old one, so the plan shows the labelling bill and a no-op
stays a no-op. A teacher this stack fine-tunes is passed as its `model` output with `teacher_job_id`
(its job: a retrained teacher relabels) and `teacher_base_model` (what counts its tokens).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult

from cortex_provider.errors import CortexProviderError
from cortex_provider.pulumi.base import CoreProvider, unknown_keys, without_provider
from cortex_provider.pulumi.connection import session_for_provider, stack_config
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.credits import COMPLETE_RATES_KEY, rates_from_stack_config
from cortex_provider.resources.distillation import DistillationCore, measure_fingerprint
from cortex_provider.resources.distillation_plan import PLAN_KEY, labelling_plan, needs_plan


class DistillationProvider(CoreProvider):
    core = DistillationCore()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = super().check(_olds, news)
        inputs = dict(result.inputs or {})
        if result.failures:
            return result
        unknown = unknown_keys(without_provider(news))
        olds = without_provider(_olds)
        if not unknown:
            inputs["prompts_fingerprint"] = None
            with contextlib.suppress(CortexProviderError):
                inputs["prompts_fingerprint"] = measure_fingerprint(session_for_provider(), inputs["prompts_query"])
        if unknown & {"prompts_query", "instructions", "max_tokens", "target_table"}:
            return CheckResult(inputs, [])
        if not needs_plan(olds, inputs, unknown):
            inputs[PLAN_KEY] = olds[PLAN_KEY]
            return CheckResult(inputs, [])
        rates = rates_from_stack_config(stack_config(), COMPLETE_RATES_KEY)
        with contextlib.suppress(CortexProviderError):  # unreadable prompts: the create reports them
            inputs[PLAN_KEY] = labelling_plan(session_for_provider(), inputs, unknown, rates)
        return CheckResult(inputs, [])


class DistillationDataset(CortexResource):
    """Teacher completions of a prompt set in a table (prompt, completion, ...), labelled incrementally.

    Outputs: fqn, training_query (`SELECT prompt, completion FROM <fqn>`), label_key,
    rows_labelled_this_run (prompts sent to the teacher by the last create/update),
    rows_pruned_this_run, rows_total, rows_current (rows under the current label key),
    prompts_fingerprint."""

    fqn: pulumi.Output[str]
    training_query: pulumi.Output[str]
    label_key: pulumi.Output[str]
    rows_labelled_this_run: pulumi.Output[int]
    rows_pruned_this_run: pulumi.Output[int]
    rows_total: pulumi.Output[int]
    rows_current: pulumi.Output[int]
    prompts_fingerprint: pulumi.Output[str]
    complete_input_tokens: pulumi.Output[int]
    complete_output_tokens: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        teacher_model: pulumi.Input[str],
        prompts_query: pulumi.Input[str],
        target_table: pulumi.Input[str],
        instructions: pulumi.Input[str] = "",
        max_tokens: pulumi.Input[int] | None = None,
        prune: bool = True,
        retain_on_delete: bool = True,
        teacher_job_id: pulumi.Input[str] | None = None,
        teacher_base_model: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "teacher_model": teacher_model,
            "prompts_query": prompts_query,
            "target_table": target_table,
            "instructions": instructions,
            "max_tokens": max_tokens,
            "prune": prune,
            "retain_on_delete": retain_on_delete,
            "teacher_job_id": teacher_job_id,
            "teacher_base_model": teacher_base_model,
            "prompts_fingerprint": None,
            "fqn": None,
            "training_query": None,
            "label_key": None,
            "rows_labelled_this_run": None,
            "rows_pruned_this_run": None,
            "rows_total": None,
            "rows_current": None,
            "complete_input_tokens": None,
            "complete_output_tokens": None,
        }
        super().__init__(DistillationProvider(), resource_name, props, kind_options(opts))
