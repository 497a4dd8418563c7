"""The TrainingView Pulumi resource (a thin layer over TrainingViewCore).

    view = TrainingView("support-train", database="CORTEX_DEMO", schema="MODELS", name="SUPPORT_TRAIN",
                        source="CORTEX_DEMO.RAW.SUPPORT_NOTES", prompt_expr="NOTE",
                        completion_expr="LABEL_JSON", base_model="llama3.1-8b", epochs=2)
    FineTunedModel(..., training_query=view.training_query)

Import id: `DB.SCHEMA.VIEW`.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult

from cortex_provider.errors import CortexProviderError
from cortex_provider.pulumi.base import CoreProvider, unknown_keys, without_provider
from cortex_provider.pulumi.connection import session_for_provider
from cortex_provider.pulumi.owner import claim_props
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.ownership import Claim, OwnershipError
from cortex_provider.resources.training_view import TrainingViewCore
from cortex_provider.resources.training_view_probe import probe_change, would_take


class TrainingViewProvider(CoreProvider):
    core = TrainingViewCore()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """A new or changed query is probed read-only here, and a new view's name against the ownership
        rule, so `preview` fails as `up` would (training_view_probe.py); not while an input, e.g.
        `source_ready`, is unknown."""
        result = super().check(_olds, news)
        if result.failures or unknown_keys(without_provider(news)):
            return result
        olds, spec = without_provider(_olds), self.core.parse(result.inputs)
        if not any(k in olds for k in self.core.replace_on):  # a create: is the name free, ours or declared?
            try:
                would_take(self.core, session_for_provider(), spec, Claim.from_props(result.inputs))
            except OwnershipError as exc:
                return CheckResult(result.inputs, [CheckFailure("name", str(exc))])
            except CortexProviderError:
                pass  # Snowflake unreachable in a preview: the create decides
        failure = probe_change(self.core, session_for_provider(), olds, spec)
        if failure is None:
            return result
        return CheckResult(result.inputs, [CheckFailure(failure.property, failure.reason)])


class TrainingView(CortexResource):
    """A view yielding text columns prompt and completion, checked live before it is created.

    Outputs: fqn, training_query (`SELECT prompt, completion FROM <fqn>`), query_text (the view's
    query; the live one after a refresh found it redefined), ddl_hash, and preflight (row count,
    bytes, tokens, rows over the base model's limits, duplicates, estimated trained tokens,
    token_method, warnings), origin (created or adopted by this stack)."""

    database: pulumi.Output[str]
    schema: pulumi.Output[str]
    name: pulumi.Output[str]
    fqn: pulumi.Output[str]
    training_query: pulumi.Output[str]
    query_text: pulumi.Output[str]
    ddl_hash: pulumi.Output[str]
    preflight: pulumi.Output[dict[str, Any]]
    origin: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        database: pulumi.Input[str],
        schema: pulumi.Input[str],
        name: pulumi.Input[str],
        query: pulumi.Input[str] | None = None,
        source: pulumi.Input[str] | None = None,
        prompt_expr: pulumi.Input[str] | None = None,
        completion_expr: pulumi.Input[str] | None = None,
        where: pulumi.Input[str] | None = None,
        base_model: pulumi.Input[str] | None = None,
        epochs: pulumi.Input[int] | None = None,
        adopt: bool = False,
        source_ready: pulumi.Input[Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`adopt`: take over a view that exists and no stack's record names (resources/ownership.py).
        `source_ready`: an output of what creates the source in this same `up` (no spec field, never a diff):
        while it is unknown the preview does not probe the query (training_view_probe.py)."""
        props: dict[str, Any] = {
            "database": database,
            "schema": schema,
            "name": name,
            "query": query,
            "source": source,
            "prompt_expr": prompt_expr,
            "completion_expr": completion_expr,
            "where": where,
            "base_model": base_model,
            "epochs": epochs,
            "fqn": None,
            "training_query": None,
            "query_text": None,
            "ddl_hash": None,
            "preflight": None,
            **claim_props(resource_name, adopt),
        }
        if source_ready is not None:
            props["source_ready"] = source_ready
        super().__init__(TrainingViewProvider(), resource_name, props, kind_options(opts))
