"""Serving the provider over gRPC: the SDK's experimental ProviderServicer, with one change.

The SDK appends a Python traceback to every error it reports. An error the provider raises on purpose
(CortexProviderError, SpecError: the message names the resource, the cause and the fix) reaches the
engine as just its message; anything else keeps the traceback, as it is a bug to report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from cortex_provider.plugin.provider import CortexProvider
from cortex_provider.pulumi.messages import deliberate

_METHODS = ("Check", "Diff", "Create", "Read", "Update", "Delete", "Configure")


def _clean(method: Callable[[Any, Any], Awaitable[Any]]) -> Callable[[Any, Any], Awaitable[Any]]:
    async def call(request: Any, context: Any) -> Any:
        try:
            return await method(request, context)
        except Exception as exc:
            cause = deliberate(exc)
            if cause is None:
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, str(cause))

    return call


class CortexServicer(ProviderServicer):
    def __init__(self, args: list[str], version: str, provider: CortexProvider, engine_address: str) -> None:
        super().__init__(args, version, provider, engine_address)
        for name in _METHODS:
            setattr(self, name, _clean(getattr(self, name)))


def serve(args: list[str], version: str) -> None:
    """What the engine runs: answer on a free local port, print it, serve until told to stop."""
    argp = argparse.ArgumentParser(description="pulumi-resource-cortex (Pulumi provider plugin)")
    argp.add_argument("engine", help="Pulumi engine address")
    known, _ = argp.parse_known_args(args)

    async def run() -> None:
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        servicer = CortexServicer(args, version, CortexProvider(), engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
