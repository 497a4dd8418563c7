"""Drive a dynamic provider the way the engine does: the SDK's own provider server
(`python -m pulumi.dynamic`) over gRPC (tests/provider/grpc_provider.py), with the provider
dill-serialized into `__provider`. Whole programs run on the real engine (tests/e2e/programs.py).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from cortex_provider.pulumi.resource_type import type_of
from tests.provider.grpc_provider import ProviderServer, StackConfig

PK = "__provider"


def start_server(tmp_path: Path, emulator: Any, account: str, password: str, logs: list[str]) -> ProviderServer:
    """A provider server configured like `pulumi up` would: cortex:* stack config, password as a secret."""
    stack = StackConfig(tmp_path, emulator.stack_config(account, password), {"cortex:password"})
    server = ProviderServer(stack, logs.append)
    server.configure()
    return server


class Driver:
    """One resource's CRUD calls, each carrying the serialized provider as the engine sends it."""

    def __init__(self, server: ProviderServer, provider: ResourceProvider, name: str) -> None:
        self.server = server
        self.blob = serialize_provider(provider)
        kind = type(provider).__name__.removesuffix("Provider")
        self.urn = f"urn:pulumi:test::cortex::{type_of(kind)}::{name}"

    def _p(self, props: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in props.items() if v is not None}, PK: self.blob}

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        inputs, failures = self.server.check(self.urn, self._p(olds) if olds else {}, self._p(news))
        inputs.pop(PK, None)
        return inputs, failures

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        id_, outs = self.server.create(self.urn, self._p(inputs), timeout=120)
        outs.pop(PK, None)
        return id_, outs

    def read(self, id_: str, outs: dict[str, Any], inputs: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        rid, props, _ = self.server.read(self.urn, id_, self._p(outs) if outs else {}, self._p(inputs or {}))
        props.pop(PK, None)
        return rid, props

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
        resp = self.server.diff(self.urn, id_, self._p(olds), self._p(olds), self._p(news), [])
        return resp.changes == provider_pb2.DiffResponse.DIFF_SOME, list(resp.replaces)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        outs = self.server.update(self.urn, id_, self._p(olds), self._p(olds), self._p(news), 120, [])
        outs.pop(PK, None)
        return outs

    def delete(self, id_: str, outs: dict[str, Any]) -> None:
        self.server.delete(self.urn, id_, self._p(outs), self._p(outs), 120)

    def provider_bytes(self) -> bytes:
        return base64.b64decode(self.blob)
