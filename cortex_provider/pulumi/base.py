"""One generic dynamic provider that maps Pulumi's CRUD calls onto a ResourceCore.

The provider object is pickled into state as `__provider`, so it holds no connection and no
credential: the stack config arrives through `configure` in the provider process, is kept in a
module-level holder there, and resolved into a cached Session on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from cortex_provider.pulumi.connection import remember_config, session_for_provider
from cortex_provider.pulumi.restore import restore_provider
from cortex_provider.resources.base import ResourceCore

PROVIDER_KEY = "__provider"


def without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's own properties: everything but the pickled `__provider`."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def is_unknown(value: Any) -> bool:
    """Not known yet in a preview: the SDK hands it over as `Unknown()` or the wire sentinel, possibly
    nested in a list or dict input."""
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return True
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


def unknown_keys(props: Mapping[str, Any]) -> set[str]:
    """Top-level properties whose value is (or holds) an unknown."""
    return {k for k, v in props.items() if is_unknown(v)}



class CoreProvider(ResourceProvider):
    """Subclasses set `core`; everything else is shared."""

    core: ClassVar[ResourceCore[Any]]
    # The pickle is a class reference (see __reduce__) and holds no credential, so storing it as a secret
    # (the SDK's default) buys nothing and costs an encrypt/decrypt per resource and verb
    # (bench/scale_preview.py: no-op preview of 1,000 resources 36.1 s as a secret, 30.5 s plain).
    serialize_as_secret_always = False

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        """Pickled as a class reference, restored under an import lock (see restore.py)."""
        return restore_provider, (type(self).__module__, type(self).__qualname__)

    def configure(self, req: ConfigureRequest) -> None:
        remember_config(req.config)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = without_provider(news)
        unknown = unknown_keys(props)
        checked = self.core.check(without_provider(_olds), props)
        # A preview may not know an input yet (another resource's output): validate the rest.
        failures = [
            CheckFailure(f.property, f.reason)
            for f in checked.failures
            if f.property.split(".")[0] not in unknown
        ]
        inputs = {**checked.inputs, **{k: props[k] for k in unknown}}
        return CheckResult(inputs, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        olds, news = without_provider(_olds), without_provider(_news)
        unknown = unknown_keys(news)
        if unknown:  # preview only: an unknown input may change anything it feeds
            fields = self.core.spec_fields()
            changed = [k for k in fields if k in unknown or olds.get(k) != news.get(k)]
            replaces = [k for k in changed if k in self.core.replace_on]
            return DiffResult(changes=bool(changed), replaces=replaces)
        d = self.core.diff(_id, olds, news)
        return DiffResult(
            changes=d.has_changes,
            replaces=d.replaces,
            delete_before_replace=d.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        applied = self.core.create(session_for_provider(), self.core.parse(without_provider(props)))
        return CreateResult(applied.id, applied.outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = self.core.read(session_for_provider(), id_, without_provider(props))
        if live is None:
            # An empty id tells the engine the object is gone (refresh drops it; next up recreates).
            return ReadResult("", {})
        # The live spec fields double as inputs, so refresh/import record what Snowflake holds.
        inputs = {k: live.outputs[k] for k in self.core.spec_fields() if k in live.outputs}
        return ReadResult(live.id, live.outputs, inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        spec = self.core.parse(without_provider(_news))
        outs = self.core.update(session_for_provider(), _id, without_provider(_olds), spec)
        return UpdateResult(outs)

    def delete(self, _id: str, _props_: dict[str, Any]) -> None:
        self.core.delete(session_for_provider(), _id, without_provider(_props_))
