"""The ModelRelease Pulumi resource and its dynamic provider (a thin layer over ModelReleaseCore).

check adds the computed input `release_plan` (version to train, its estimated trained tokens, serving
before -> after), so `pulumi preview --diff` shows what a release will do and cost.
"""

from __future__ import annotations

from typing import Any, Unpack

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult

from cortex_provider.pulumi.base import CoreProvider, spec_inputs, unknown_keys, without_provider
from cortex_provider.pulumi.connection import session_for_provider
from cortex_provider.pulumi.keyword_args import ModelReleaseKwargs
from cortex_provider.pulumi.owner import claim_props
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.finetune.plan import preflight_measure
from cortex_provider.resources.ownership import Claim, OwnershipError
from cortex_provider.resources.release.core import ModelReleaseCore
from cortex_provider.resources.release.plan import PLAN_KEY, live_state, release_plan
from cortex_provider.resources.release.spec import ALL_VERSIONS, ModelReleaseSpec

OUTPUT_KEYS = ("endpoint", "serving_version", "serving_model", "serving_job_id", "latest", "versions", "gate",
               "endpoint_live", "granted_roles")


class ModelReleaseProvider(CoreProvider):
    core = ModelReleaseCore()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = super().check(_olds, news)
        props = without_provider(news)
        if result.failures or unknown_keys(props):
            return result
        inputs = dict(result.inputs)
        spec = self.core.parse(inputs)
        try:  # the plan reads what exists as create would (release/found.py), refusing what it refuses
            live = live_state(session_for_provider, Claim.from_props(inputs))
            plan = release_plan(without_provider(_olds), spec, live, preflight_measure(session_for_provider))
        except OwnershipError as exc:
            return CheckResult(inputs, [CheckFailure("name", str(exc))])
        if plan is not None:
            inputs[PLAN_KEY] = plan
        return CheckResult(inputs, [])


class ModelRelease(CortexResource):
    """A model trained into versions `NAME_V1`, `NAME_V2`, ... behind the stable endpoint
    `DB.SCHEMA.NAME(prompt)` (a secure SQL function over SNOWFLAKE.CORTEX.COMPLETE).

    Any change to what a version is trained from (base model, queries, definitions, options) trains the
    next version; it serves once `gate` passes (scored against the serving version on the same rows);
    `serving="V1"` pins a version (rollback: no training); `keep` bounds the versions kept.

    Outputs: endpoint, serving_version, serving_model, serving_job_id, latest, versions (the history),
    gate (the last gate result), release_plan (what the next up does), origin (created or adopted).
    """

    endpoint: pulumi.Output[str]
    serving_version: pulumi.Output[str]
    serving_model: pulumi.Output[str]
    serving_job_id: pulumi.Output[str]
    latest: pulumi.Output[str]
    versions: pulumi.Output[list[dict[str, Any]]]
    gate: pulumi.Output[dict[str, Any]]
    origin: pulumi.Output[str]

    def __init__(self, resource_name: str, *, adopt: bool = False, opts: pulumi.ResourceOptions | None = None,
                 **args: Unpack[ModelReleaseKwargs]) -> None:
        """Arguments: ModelReleaseSpec's fields (resources/release/spec.py). `adopt`: take over existing
        versions no stack's record names (resources/release/owner.py)."""
        props: dict[str, Any] = {key: None for key in OUTPUT_KEYS}
        props.update(spec_inputs(ModelReleaseSpec, "ModelRelease", args))
        if "keep" in args and args["keep"] is None:
            props["keep"] = ALL_VERSIONS
        props.update(claim_props(resource_name, adopt))
        super().__init__(ModelReleaseProvider(), resource_name, props, kind_options(opts))
