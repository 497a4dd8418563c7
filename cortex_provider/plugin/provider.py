"""The `cortex` resource provider on the Pulumi SDK's provider interface (pulumi.provider.experimental).

Each call is routed by type token to the kind's dynamic provider (cortex_provider/pulumi/*), which
adapts its reconcile core; this class only translates the wire format (values.py), runs the blocking
core call on a worker thread (the engine runs resources in parallel), and adds what a plugin has and
a dynamic provider has not:
- Configure with the connection settings as typed provider config, credentials marked secret
  (CheckConfig marks them even when set in plain text, so state only ever holds them encrypted);
- custom timeouts: `customTimeouts` reach FineTunedModel/ModelRelease as their own wait bound (the
  job keeps running and the next `up` adopts it), every other kind as a deadline on the call;
- a detailed diff per property, so `pulumi preview --diff` names what changes and what replaces.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from cortex_provider.errors import CortexProviderError
from cortex_provider.plugin.kinds import PACKAGE, Kind, kind_for
from cortex_provider.plugin.schema import SECRET_CONFIG, schema_text
from cortex_provider.plugin.values import camel, inbound, outbound, secret_keys, to_python
from cortex_provider.pulumi.base import is_unknown
from cortex_provider.pulumi.connection import remember_config
from cortex_provider.pulumi.owner import owner_from_urn
from cortex_provider.resources.ownership import ADOPTED, ORIGIN_KEY, OWNER_KEY

T = TypeVar("T")
WAIT_FIELD = "timeout_minutes"  # kinds with their own wait bound take the custom timeout there


class CustomTimeout(CortexProviderError):
    """A call ran past the resource's customTimeouts."""


class NothingToImport(CortexProviderError):
    """`pulumi import` named an object that does not exist: the engine would record it anyway."""

    def __init__(self, kind: Kind, resource_id: str) -> None:
        super().__init__(
            f"{kind.name} {resource_id!r} does not exist in Snowflake (or this role cannot see it): nothing "
            f"to import, nothing recorded. Fix: check the id (form {kind.import_id or 'not importable'}), the "
            "account and the role, or declare the resource and let `pulumi up` create it."
        )


def config_from(variables: Mapping[str, str], args: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Configure's inputs as the `cortex:<key>` stack-config dict the dynamic providers resolve."""
    config: dict[str, Any] = {}
    prefix = f"{PACKAGE}:config:"
    for key, value in variables.items():  # older engines: "cortex:config:password" -> text
        if key.startswith(prefix):
            config[f"{PACKAGE}:{key[len(prefix) :]}"] = value
    for key, pv in args.items():
        value = to_python(pv)
        if key != "version" and value is not None:
            config[f"{PACKAGE}:{key}"] = value
    return config


def detailed(
    kind: Kind, olds: Mapping[str, Any], news: Mapping[str, Any], replaces: list[str]
) -> dict[str, p.PropertyDiff]:
    out: dict[str, p.PropertyDiff] = {}
    fields: list[str] = list(kind.core.spec_fields())
    if not any(is_unknown(v) for v in news.values()):  # known inputs: what the core's diff says changed,
        with contextlib.suppress(CortexProviderError):  # owner (a record to write) included
            fields = list(kind.core.diff("", olds, news).changed)
    for field in fields:
        old, new = olds.get(field), news.get(field)
        if not is_unknown(new) and old == new and field in kind.core.spec_fields():
            continue
        replace = field in replaces
        if old is None:
            what = p.PropertyDiffKind.ADD_REPLACE if replace else p.PropertyDiffKind.ADD
        elif new is None:
            what = p.PropertyDiffKind.DELETE_REPLACE if replace else p.PropertyDiffKind.DELETE
        else:
            what = p.PropertyDiffKind.UPDATE_REPLACE if replace else p.PropertyDiffKind.UPDATE
        out[camel(field)] = p.PropertyDiff(what, input_diff=True)
    return out


class CortexProvider(p.Provider):
    def __init__(self) -> None:
        self.configured: dict[str, Any] = {}

    async def _run(self, kind: Kind, op: str, timeout: float, fn: Callable[..., T], *args: Any) -> T:
        call = asyncio.to_thread(functools.partial(fn, *args))
        if timeout <= 0 or kind.has_field(WAIT_FIELD):
            return await call
        try:
            return await asyncio.wait_for(call, timeout)
        except TimeoutError:
            raise CustomTimeout(
                f"{kind.name}: {op} did not finish within its custom timeout ({timeout:g} s, "
                f"customTimeouts.{op}). The statement may still complete in Snowflake: `pulumi refresh` "
                "shows what it did, and the next `up` continues from there."
            ) from None

    @staticmethod
    def _bounded(kind: Kind, props: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The custom timeout as the kind's own wait bound, unless the program set one."""
        if timeout > 0 and kind.has_field(WAIT_FIELD) and props.get(WAIT_FIELD) is None:
            return {**props, WAIT_FIELD: timeout / 60.0}
        return props

    @staticmethod
    def _restore(outs: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """State keeps the declared wait bound (None), not the per-call timeout: no diff next time."""
        if WAIT_FIELD in outs:
            outs = {**outs, WAIT_FIELD: props.get(WAIT_FIELD)}
        return outs

    # -- package and provider configuration ----------------------------------------------------------
    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema_text())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        news = dict(request.new_inputs)
        for key in SECRET_CONFIG & news.keys():
            news[key] = news[key].with_secret(True)
        return p.CheckResponse(inputs=news, failures=[])

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        """A new credential or host changes the provider in place: resources are never replaced for it."""
        olds = {k: to_python(v) for k, v in request.old_state.items() if k != "version"}
        news = {k: to_python(v) for k, v in request.new_inputs.items() if k != "version"}
        changed = sorted(k for k in olds.keys() | news.keys() if olds.get(k) != news.get(k))
        return p.DiffResponse(
            changes=bool(changed),
            diffs=changed,
            detailed_diff={k: p.PropertyDiff(p.PropertyDiffKind.UPDATE, input_diff=True) for k in changed},
        )

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        self.configured = config_from(request.variables, request.args)
        remember_config(self.configured)
        return p.ConfigureResponse(
            accept_secrets=True, supports_preview=False, accept_resources=False, accept_outputs=False
        )

    # -- resources -----------------------------------------------------------------------------------
    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        kind = kind_for(request.type)
        news = inbound(request.new_inputs)
        if kind.adoptable:  # who asks, from the URN (resources/ownership.py): an input that never diffs
            news[OWNER_KEY] = owner_from_urn(request.urn)
        result = await self._run(kind, "check", 0, kind.provider.check, inbound(request.old_inputs), news)
        failures = [p.CheckFailure(camel(f.property), f.reason) for f in result.failures or []]
        return p.CheckResponse(inputs=outbound(result.inputs or {}, secret_keys(request.new_inputs)), failures=failures)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        kind = kind_for(request.type)
        olds, news = inbound(request.old_state), inbound(request.new_inputs)
        result = await self._run(kind, "diff", 0, kind.provider.diff, request.resource_id, olds, news)
        replaces = [str(r) for r in result.replaces or []]
        details = detailed(kind, olds, news, replaces) if result.changes else {}
        return p.DiffResponse(
            changes=bool(result.changes),
            replaces=[camel(r) for r in replaces],
            delete_before_replace=bool(result.delete_before_replace),
            diffs=list(details),
            detailed_diff=details,
        )

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        kind = kind_for(request.type)
        props = inbound(request.properties)
        result = await self._run(
            kind, "create", request.timeout, kind.provider.create, self._bounded(kind, props, request.timeout)
        )
        outs = self._restore(dict(result.outs or {}), props)
        return p.CreateResponse(str(result.id), outbound(outs, secret_keys(request.properties)))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        kind = kind_for(request.type)
        result = await self._run(kind, "read", 0, kind.provider.read, request.resource_id, inbound(request.properties))
        if not result.id:
            if not request.properties and not request.inputs:  # an import: no state to drop, so refuse
                raise NothingToImport(kind, request.resource_id)
            return p.ReadResponse(resource_id="")
        outs = dict(result.outs or {})
        if kind.adoptable and not request.properties:  # `pulumi import`: a declared adoption, never dropped
            outs[ORIGIN_KEY] = ADOPTED
        secrets = secret_keys(request.properties) | secret_keys(request.inputs)
        return p.ReadResponse(
            resource_id=str(result.id),
            properties=outbound(outs, secrets),
            inputs=outbound(result.inputs or {}, secrets),
        )

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        kind = kind_for(request.type)
        news = inbound(request.news)
        result = await self._run(
            kind,
            "update",
            request.timeout,
            kind.provider.update,
            request.resource_id,
            inbound(request.olds),
            self._bounded(kind, news, request.timeout),
        )
        outs = self._restore(dict(result.outs or {}), news)
        return p.UpdateResponse(outbound(outs, secret_keys(request.news) | secret_keys(request.olds)))

    async def delete(self, request: p.DeleteRequest) -> None:
        kind = kind_for(request.type)
        await self._run(
            kind, "delete", request.timeout, kind.provider.delete, request.resource_id, inbound(request.properties)
        )
