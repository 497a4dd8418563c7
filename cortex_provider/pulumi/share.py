"""The ModelShare Pulumi resource and its dynamic provider (a thin layer over ShareCore).

Beyond the generic CoreProvider, check/diff tolerate inputs that are unknown during preview (a model
name or a refresh token that another resource computes in the same `up`): known fields are still
validated, unknown ones pass through and count as changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult

from cortex_provider.pulumi.base import CoreProvider, claim_inputs, is_unknown, without_provider
from cortex_provider.pulumi.owner import claim_props
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.resources.base import ResourceCore, same
from cortex_provider.resources.share import ShareCore

OUTPUTS = ("owner_account", "share_ref")


def _known(value: Any, placeholder: Any) -> Any:
    """A stand-in for an unknown value: known list items kept, unknown scalars -> placeholder."""
    if isinstance(value, list):
        return [v for v in value if not is_unknown(v)]
    return placeholder if is_unknown(value) else value


def check_tolerant(
    core: ResourceCore[Any], news: Mapping[str, Any], placeholders: Mapping[str, Any]
) -> CheckResult:
    props = without_provider(news)
    unknown = {k for k, v in props.items() if is_unknown(v)}
    probe = {k: _known(v, placeholders.get(k)) if k in unknown else v for k, v in props.items()}
    checked = core.check({}, probe)
    failures = [
        CheckFailure(f.property, f.reason)
        for f in checked.failures
        if f.property.split(".")[0].split("[")[0] not in unknown
    ]
    if checked.failures:
        return CheckResult(props, failures)
    return CheckResult({**checked.inputs, **{k: props[k] for k in unknown}, **claim_inputs(props)}, [])


def diff_tolerant(
    core: ResourceCore[Any], olds: Mapping[str, Any], news: Mapping[str, Any]
) -> DiffResult | None:
    """The diff when some new input is unknown (None when all are known: use the core's diff)."""
    news = without_provider(news)
    unknown = [k for k in core.spec_fields() if is_unknown(news.get(k))]
    if not unknown:
        return None
    changed = [k for k in core.spec_fields() if k in unknown or not same(olds.get(k), news.get(k))]
    return DiffResult(changes=True, replaces=[k for k in changed if k in core.replace_on])


class ModelShareProvider(CoreProvider):
    core = ShareCore()
    placeholders: Mapping[str, Any] = {"name": "UNKNOWN_SHARE", "database": "UNKNOWN_DB", "schema": "UNKNOWN"}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_tolerant(self.core, news, self.placeholders)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return diff_tolerant(self.core, _olds, _news) or super().diff(_id, _olds, _news)


class ModelShare(CortexResource):
    """A share of fine-tuned models (USAGE on database, schema, models) to consumer accounts; `functions`
    adds secure functions of the schema (a ModelRelease's `endpoint`), which a consumer calls through its
    mounted database.

    Its id is the share name. Outputs: the normalised inputs (name, database, schema, models and
    functions as names in the schema, consumer_accounts sorted), owner_account (ORG.ACCOUNT) and share_ref
    (ORG.ACCOUNT.SHARE: what a consumer writes in CREATE DATABASE x FROM SHARE <share_ref>), origin
    (created or adopted by this stack).
    """

    owner_account: pulumi.Output[str]
    share_ref: pulumi.Output[str]
    database: pulumi.Output[str]
    schema: pulumi.Output[str]
    models: pulumi.Output[list[str]]
    functions: pulumi.Output[list[str]]
    consumer_accounts: pulumi.Output[list[str]]
    origin: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        database: pulumi.Input[str],
        schema: pulumi.Input[str],
        models: pulumi.Input[Sequence[pulumi.Input[str]]],
        consumer_accounts: pulumi.Input[Sequence[pulumi.Input[str]]] = (),
        functions: pulumi.Input[Sequence[pulumi.Input[str]]] = (),
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`adopt`: take over a share that exists and no stack's record names (resources/ownership.py)."""
        props: dict[str, Any] = {key: None for key in OUTPUTS}
        props.update(
            name=name,
            database=database,
            schema=schema,
            models=models,
            functions=list(functions) if isinstance(functions, tuple) else functions,
            consumer_accounts=list(consumer_accounts)
            if isinstance(consumer_accounts, tuple)
            else consumer_accounts,
        )
        props.update(claim_props(resource_name, adopt))
        super().__init__(ModelShareProvider(), resource_name, props, kind_options(opts))
