"""The SDK's own dynamic provider server (``python -u -m pulumi.dynamic``), driven over gRPC.

It prints its port on stdout; we talk to it with the SDK's generated stubs, exactly as the engine
does. Its stderr (tracebacks, ``pulumi.log`` lines: with no engine attached the SDK prints them as
``info: ...``, and plain ``print(..., file=sys.stderr)`` from a provider) is streamed to a callback
line by line, which is how long creates show progress. Every RPC is recorded in ``calls``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from cortex_provider.offline import wire
from cortex_provider.offline.project import Project

_START_TIMEOUT_S = 60.0


class ProviderError(Exception):
    """A provider call failed; ``message`` is the provider's exception text (its last line)."""

    def __init__(self, method: str, urn: str, details: str) -> None:
        lines = [ln for ln in details.strip().splitlines() if ln.strip()]
        self.method = method
        self.urn = urn
        self.details = details
        self.message = lines[-1].strip() if lines else details
        super().__init__(f"{method} failed: {self.message}")


@dataclass(frozen=True)
class Call:
    """One gRPC call made to the provider server (what tests assert on)."""

    method: str
    urn: str
    ok: bool


# ``python -u -m pulumi.dynamic``, plus one watchdog thread: when our end of its stdin closes (this
# process exited, even by SIGKILL) the server exits too instead of serving forever as an orphan.
_BOOT = (
    "import os, runpy, sys, threading\n"
    "threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n"
    "runpy.run_module('pulumi.dynamic', run_name='__main__', alter_sys=True)\n"
)


class ProviderServer:
    def __init__(self, project: Project, on_log: Callable[[str], None]) -> None:
        self.project = project
        self.calls: list[Call] = []
        self._on_log = on_log
        env = dict(os.environ)
        env["PULUMI_PROJECT"] = project.name
        env["PULUMI_STACK"] = project.stack
        # As the engine does for dynamic providers (pulumi/pulumi#17229): the whole stack config,
        # namespaced, so pulumi.Config works inside the provider process too.
        env["PULUMI_CONFIG"] = json.dumps(project.config)
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(project.secret_keys))
        # Whatever the program could import (its own dir first), the provider can unpickle.
        paths = [str(project.directory), *(p for p in sys.path if p)]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-c", _BOOT],
            cwd=str(project.directory),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._stderr = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr.start()
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_CHANNEL_OPTIONS)
        grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def _read_port(self) -> int:
        assert self._proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self._proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(_START_TIMEOUT_S)
        line = result[0].strip() if result else ""
        if not line.isdigit():
            self.close()
            raise ProviderError("start", "", f"provider server did not print a port (got {line!r})")
        return int(line)

    def _pump_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._on_log(line.rstrip("\n"))

    def _call(self, method: str, urn: str, request: Any) -> Any:
        try:
            response = getattr(self._stub, method)(request)
        except grpc.RpcError as exc:
            self.calls.append(Call(method, urn, False))
            details = exc.details() if hasattr(exc, "details") else str(exc)
            raise ProviderError(method, urn, str(details)) from None
        self.calls.append(Call(method, urn, True))
        return response

    # -- the engine's side of the provider protocol ---------------------------------------
    def configure(self) -> None:
        variables = {k: v for k, v in self.project.config.items()}
        request = provider_pb2.ConfigureRequest(
            variables=variables,
            args=wire.to_struct(self.project.config_args()),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
        )
        self._call("Configure", "", request)

    def check(self, urn: str, olds: wire.Props, news: wire.Props) -> tuple[wire.Props, list[str]]:
        req = provider_pb2.CheckRequest(
            urn=urn, olds=_struct(olds), news=_struct(news), randomSeed=os.urandom(32), name=_name(urn)
        )
        resp = self._call("Check", urn, req)
        failures = [f"{f.property}: {f.reason}" if f.property else f.reason for f in resp.failures]
        return wire.from_struct(resp.inputs), failures

    def diff(
        self, urn: str, res_id: str, olds: wire.Props, old_inputs: wire.Props, news: wire.Props,
        ignore: list[str],
    ) -> Any:
        req = provider_pb2.DiffRequest(
            id=res_id, urn=urn, olds=_struct(olds), news=_struct(news), ignoreChanges=ignore,
            old_inputs=_struct(old_inputs), name=_name(urn),
        )
        return self._call("Diff", urn, req)

    def create(self, urn: str, news: wire.Props, timeout: float) -> tuple[str, wire.Props]:
        req = provider_pb2.CreateRequest(urn=urn, properties=_struct(news), timeout=timeout, name=_name(urn))
        resp = self._call("Create", urn, req)
        return str(resp.id), wire.from_struct(resp.properties)

    def update(
        self, urn: str, res_id: str, olds: wire.Props, old_inputs: wire.Props, news: wire.Props,
        timeout: float, ignore: list[str],
    ) -> wire.Props:
        req = provider_pb2.UpdateRequest(
            id=res_id, urn=urn, olds=_struct(olds), news=_struct(news), timeout=timeout,
            ignoreChanges=ignore, old_inputs=_struct(old_inputs), name=_name(urn),
        )
        return wire.from_struct(self._call("Update", urn, req).properties)

    def delete(self, urn: str, res_id: str, outputs: wire.Props, inputs: wire.Props, timeout: float) -> None:
        req = provider_pb2.DeleteRequest(
            id=res_id, urn=urn, properties=_struct(outputs), timeout=timeout,
            old_inputs=_struct(inputs), name=_name(urn),
        )
        self._call("Delete", urn, req)

    def read(
        self, urn: str, res_id: str, outputs: wire.Props, inputs: wire.Props
    ) -> tuple[str, wire.Props, wire.Props | None]:
        req = provider_pb2.ReadRequest(
            id=res_id, urn=urn, properties=_struct(outputs), inputs=_struct(inputs), name=_name(urn)
        )
        resp = self._call("Read", urn, req)
        new_inputs = wire.from_struct(resp.inputs) if resp.HasField("inputs") else None
        return str(resp.id), wire.from_struct(resp.properties), new_inputs

    def close(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        deadline = time.monotonic() + 2
        while self._stderr.is_alive() and time.monotonic() < deadline:
            self._stderr.join(0.1)


def _struct(props: wire.Props) -> Any:
    """What the provider sees: no secret wrappers, ``__provider`` a plain base64 string."""
    return wire.to_struct(wire.plain_props(props))


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]

