"""The FineTunedModel Pulumi resource and its dynamic provider (a thin layer over FineTunedModelCore).

Program side: pass the TrainingView's `training_query` output (and, with retrain_on="data", its
`data_fingerprint` output) and `depends_on` the grants, so one `pulumi up` from empty runs in order.

Provider side, beyond the generic CoreProvider:
- check tolerates unknown inputs (preview before the TrainingView exists) and, with retrain_on="data"
  and no `data_fingerprint` input, measures the fingerprint with one read-only aggregate SELECT (no
  side effects; if the data is not readable yet the field stays empty and create measures it).
- check adds the computed input `training_plan` (action train/retrain, base model, rows, estimated
  trained tokens) when the model is new or a retraining field changed, else carries the old one, so
  `pulumi preview --diff` shows the cost of a retrain and a no-op stays a no-op (resources/finetune/plan.py).
- Pulumi's customTimeouts are not passed to dynamic providers by the SDK; `timeout_minutes` is the
  way to bound a wait.
"""

from __future__ import annotations

import contextlib
from typing import Any, Unpack

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult
from pulumi.runtime.rpc import UNKNOWN

from cortex_provider import catalogue
from cortex_provider.errors import CortexProviderError
from cortex_provider.pulumi.base import CoreProvider, claim_inputs, spec_inputs, unknown_keys, without_provider
from cortex_provider.pulumi.connection import session_for_provider, stack_config
from cortex_provider.pulumi.keyword_args import FineTunedModelKwargs
from cortex_provider.pulumi.owner import claim_props
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.credits import rates_from_stack_config
from cortex_provider.resources.finetune.core import FineTunedModelCore
from cortex_provider.resources.finetune.costs import fingerprint
from cortex_provider.resources.finetune.outputs import OUTPUT_KEYS
from cortex_provider.resources.finetune.owner import would_adopt_job, would_take
from cortex_provider.resources.finetune.plan import PLAN_KEY, plan_for, preflight_measure
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.ownership import ADOPTED, Claim, OwnershipError

# Models whose diff in this provider process planned a replace. The engine then checks the replacement
# again without its old inputs; the old model still exists then, but `up` drops it first
# (delete-before-replace) and trains, so that check must not plan an adoption of it.
_REPLACING: set[str] = set()

# Stand-ins for unknown inputs during preview, so the known fields are still validated.
_PLACEHOLDERS: dict[str, Any] = {
    "name": "UNKNOWN_DB.UNKNOWN_SCHEMA.UNKNOWN_MODEL",
    "training_query": "SELECT 'p' AS prompt, 'c' AS completion",
    "validation_query": None,
    "base_model": catalogue.CURRENT[0],
    "database": None,
    "schema_name": None,
    "data_fingerprint": None,
    "training_definition": None,
    "validation_definition": None,
}


def adopt_plan(plan: dict[str, Any], origin: str, running: str | None = None) -> dict[str, Any]:
    """The plan of a create that takes over an existing model, or the job `running` that still trains
    it (an interrupted `up`): no new job, no tokens, no credits."""
    out = {k: v for k, v in plan.items() if k not in ("estimated_credits", "row_limit", "truncated")}
    why = ("declared `adopt: true`" if origin == ADOPTED else
           "its record or its job names this resource: crash recovery")
    what = (f"fine-tuning job {running} still trains this model from this spec: `up` adopts the job and waits "
            f"for it ({why}); no new" if running else f"the model exists: `up` adopts it ({why}); no")
    out.update(action="adopt", estimated_trained_tokens=0, note=f"{what} fine-tuning job")
    if "credits_per_million_tokens" in plan:
        out["estimated_credits"] = 0.0
    return out


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
        inputs = {**checked.inputs, **claim_inputs(props)}
        for key in unknown:
            inputs[key] = UNKNOWN
        if not unknown and inputs.get("retrain_on") == "data" and not inputs.get("data_fingerprint"):
            # not readable yet (created in this same `up`)? then create measures it
            with contextlib.suppress(CortexProviderError):
                inputs["data_fingerprint"] = fingerprint(session_for_provider(), inputs["training_query"])
        olds = without_provider(_olds)
        rates = rates_from_stack_config(stack_config())  # declared credit rates (credits.py)
        plan = plan_for(olds, inputs, unknown, preflight_measure(session_for_provider), rates)
        creating = not any(k in olds for k in self.core.replace_on)  # a no-op carries its old plan: no SQL
        replacing = inputs.get("name") in _REPLACING
        if creating and not replacing and plan is not None and not unknown & {"name", "training_query"}:
            spec, claim = self.core.parse(inputs), Claim.from_props(inputs)
            try:  # the model exists already, or its job still runs? then `up` adopts it: the plan says so
                taken = would_take(session_for_provider(), spec, claim)
                running = would_adopt_job(session_for_provider(), spec, claim) if taken is None else None
            except OwnershipError as exc:
                return CheckResult(inputs, [CheckFailure("name", str(exc))])
            except CortexProviderError:
                taken = running = None  # Snowflake unreachable in a preview: the create decides
            if taken is not None:
                plan = adopt_plan(plan, taken)
            elif running is not None:  # an interrupted `up`: the job still trains, `up` adopts it
                plan = adopt_plan(plan, running[0], running[1].id)
        if plan is not None:  # the cost of a (re)train, shown in the plan's diff (resources/finetune/plan.py)
            inputs[PLAN_KEY] = plan
        return CheckResult(inputs, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Unknown inputs (preview, upstream being replaced) count as changed: a replace when the field
        retrains. The real `up` diffs again with known values, where the name-conflict check runs."""
        news = without_provider(_news)
        unknown = unknown_keys(news)
        if not unknown:
            result = super().diff(_id, _olds, _news)
            if result.replaces and result.delete_before_replace:
                _REPLACING.add(str(news.get("name")))
            return result
        probe = {k: (_olds.get(k) if k in unknown else v) for k, v in news.items()}
        d = self.core.diff(_id, without_provider(_olds), probe)
        replaces = sorted(set(d.replaces) | (unknown & self.core.replace_on))
        return DiffResult(changes=True, replaces=replaces, delete_before_replace=d.delete_before_replace)


class FineTunedModel(CortexResource):
    """A Cortex fine-tuned model; its id is the model's fully qualified name.

    Outputs: job_id, status (PENDING/IN_PROGRESS/SUCCESS/ERROR/CANCELLED, or MISSING after drift),
    progress, trained_tokens, validation_loss, created_on, finished_on (epoch ms), model, local_engine,
    estimated_trained_tokens (input tokens x epochs), training_rows, data_fingerprint, recorded (the
    model carries this stack's record: false after `wait: none` until the `up` after a refresh saw the
    job succeed; resources/finetune/owner.py), origin (created or adopted by this stack), plus the spec.
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
    origin: pulumi.Output[str]

    def __init__(self, resource_name: str, *, adopt: bool = False, opts: pulumi.ResourceOptions | None = None,
                 **args: Unpack[FineTunedModelKwargs]) -> None:
        """Arguments: FineTunedModelSpec's fields (resources/finetune/spec.py), the model's name as
        `model_name`. `adopt`: take over a model that exists and no stack's record names
        (resources/ownership.py)."""
        props: dict[str, Any] = {key: None for key in OUTPUT_KEYS}
        props.update(spec_inputs(FineTunedModelSpec, "FineTunedModel", args, {"model_name": "name"}))
        props.update(claim_props(resource_name, adopt))
        super().__init__(FineTunedModelProvider(), resource_name, props, kind_options(opts))
