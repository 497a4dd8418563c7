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
from pydantic import BaseModel

from cortex_provider.pulumi import timings
from cortex_provider.pulumi.connection import remember_config, session_for_provider
from cortex_provider.pulumi.messages import install as report_deliberate_errors_as_messages
from cortex_provider.pulumi.restore import relative_module, restore_provider
from cortex_provider.resources.base import ResourceCore, same
from cortex_provider.resources.finetune.wait import stop_waits_at_exit
from cortex_provider.resources.ownership import CLAIM_KEYS, Claim

PROVIDER_KEY = "__provider"
PROVIDER_CALLS = ("check", "diff", "create", "read", "update", "delete")


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


def claim_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """The ownership inputs (`owner`, `adopt`), carried through check beside the spec: they are no spec
    field, so they never diff (resources/ownership.py)."""
    return {k: props[k] for k in CLAIM_KEYS if k in props}


def spec_inputs(spec: type[BaseModel], kind: str, args: Mapping[str, Any],
                renamed: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A resource's keyword arguments as its provider's inputs. The arguments are the spec's fields (one
    definition, as plugin/schema.py derives the package schema from it); `renamed` maps an argument to
    the field it stands for (`model_name` -> `name`, which would clash with the resource's own name).
    Left-out fields take the spec's defaults in check; an unknown or missing argument is a TypeError
    naming it and the accepted ones, raised in the program before anything is sent."""
    renamed = renamed or {}
    to_arg = {field: arg for arg, field in renamed.items()}
    accepted = [to_arg.get(f, f) for f in spec.model_fields]
    unknown = sorted(a for a in args if (renamed.get(a, a) not in spec.model_fields or a in to_arg))
    if unknown:
        raise TypeError(f"{kind}() got unexpected argument(s) {', '.join(unknown)}; "
                        f"it accepts {', '.join(accepted)}")
    missing = [to_arg.get(f, f) for f, info in spec.model_fields.items()
               if info.is_required() and to_arg.get(f, f) not in args]
    if missing:
        raise TypeError(f"{kind}() is missing required argument(s) {', '.join(missing)}")
    return {renamed.get(a, a): v for a, v in args.items()}


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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        timings.wrap_calls(cls, PROVIDER_CALLS)

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        """Pickled as a class reference, restored under an import lock (see restore.py)."""
        return restore_provider, (relative_module(type(self).__module__), type(self).__qualname__)

    def configure(self, req: ConfigureRequest) -> None:
        # The SDK server calls this before any CRUD method of a provider it just unpickled.
        report_deliberate_errors_as_messages()
        stop_waits_at_exit()
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
        inputs = {**checked.inputs, **{k: props[k] for k in unknown}, **claim_inputs(props)}
        return CheckResult(inputs, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        olds, news = without_provider(_olds), without_provider(_news)
        unknown = unknown_keys(news)
        if unknown:  # preview only: an unknown input may change anything it feeds
            fields = self.core.spec_fields()
            changed = [k for k in fields if k in unknown or not same(olds.get(k), news.get(k))]
            replaces = [k for k in changed if k in self.core.replace_on]
            return DiffResult(changes=bool(changed), replaces=replaces)
        d = self.core.diff(_id, olds, news)
        return DiffResult(
            changes=d.has_changes,
            replaces=d.replaces,
            delete_before_replace=d.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = without_provider(props)
        applied = self.core.create_as(session_for_provider(), self.core.parse(props), Claim.from_props(props))
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
        news = without_provider(_news)
        outs = self.core.update_as(session_for_provider(), _id, without_provider(_olds), self.core.parse(news),
                                   Claim.from_props(news))
        return UpdateResult(outs)

    def delete(self, _id: str, _props_: dict[str, Any]) -> None:
        self.core.delete(session_for_provider(), _id, without_provider(_props_))


timings.wrap_calls(CoreProvider, PROVIDER_CALLS)
