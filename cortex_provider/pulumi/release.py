"""The ModelRelease Pulumi resource and its dynamic provider (a thin layer over ModelReleaseCore).

check adds the computed input `release_plan` (version to train, its estimated trained tokens, serving
before -> after), so `pulumi preview --diff` shows what a release will do and cost.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, Resource

from cortex_provider.pulumi.base import CoreProvider, unknown_keys, without_provider
from cortex_provider.pulumi.connection import session_for_provider
from cortex_provider.resources.finetune_plan import preflight_measure
from cortex_provider.resources.release.core import ModelReleaseCore
from cortex_provider.resources.release.plan import PLAN_KEY, live_state, release_plan

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
        plan = release_plan(without_provider(_olds), spec, live_state(session_for_provider),
                            preflight_measure(session_for_provider))
        if plan is not None:
            inputs[PLAN_KEY] = plan
        return CheckResult(inputs, [])


class ModelRelease(Resource):
    """A model trained into versions `NAME_V1`, `NAME_V2`, ... behind the stable endpoint
    `DB.SCHEMA.NAME(prompt)` (a secure SQL function over SNOWFLAKE.CORTEX.COMPLETE).

    Any change to what a version is trained from (base model, queries, definitions, options) trains the
    next version; it serves once `gate` passes (scored against the serving version on the same rows);
    `serving="V1"` pins a version (rollback: no training); `keep` bounds the versions kept.

    Outputs: endpoint, serving_version, serving_model, serving_job_id, latest, versions (the history),
    gate (the last gate result), release_plan (what the next up does).
    """

    endpoint: pulumi.Output[str]
    serving_version: pulumi.Output[str]
    serving_model: pulumi.Output[str]
    serving_job_id: pulumi.Output[str]
    latest: pulumi.Output[str]
    versions: pulumi.Output[list[dict[str, Any]]]
    gate: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        base_model: pulumi.Input[str],
        training_query: pulumi.Input[str],
        database: pulumi.Input[str] | None = None,
        schema_name: pulumi.Input[str] | None = None,
        validation_query: pulumi.Input[str] | None = None,
        training_definition: pulumi.Input[str] | None = None,
        validation_definition: pulumi.Input[str] | None = None,
        options: pulumi.Input[dict[str, Any]] | None = None,
        serving: str | None = None,
        keep: int | None = 3,
        gate: pulumi.Input[dict[str, Any]] | None = None,
        usage_roles: pulumi.Input[list[str]] | None = None,
        timeout_minutes: float | None = None,
        retain_on_delete: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {key: None for key in OUTPUT_KEYS}
        props.update(
            name=name, database=database, schema_name=schema_name, base_model=base_model,
            training_query=training_query, validation_query=validation_query,
            training_definition=training_definition, validation_definition=validation_definition,
            options=options or {}, serving=serving, keep=keep, gate=gate, usage_roles=usage_roles or [],
            timeout_minutes=timeout_minutes, retain_on_delete=retain_on_delete,
        )
        super().__init__(ModelReleaseProvider(), resource_name, props, opts)
