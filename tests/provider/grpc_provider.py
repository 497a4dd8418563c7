"""The SDK's own dynamic provider server (``python -u -m pulumi.dynamic``), driven over gRPC, for fast
provider unit tests: the provider runs in the process the engine would start, unpickled from
``__provider`` by the SDK, and answers the same RPCs. (Whole programs run on the real engine:
tests/e2e/engine.py.)

The server prints its port on stdout; its stderr (tracebacks, ``pulumi.log`` lines, a provider's
``print(..., file=sys.stderr)``) goes to a callback line by line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

_START_TIMEOUT_S = 60.0
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

Props = dict[str, Any]


@dataclass
class StackConfig:
    """What the engine knows of the stack when it starts a dynamic provider: names and `cortex:*` config."""

    directory: Path
    config: dict[str, str]
    secret_keys: set[str] = field(default_factory=set)
    project: str = "cortex"
    stack: str = "test"

    def config_args(self) -> Props:
        """Config as the engine sends it in Configure ``args``: objects parsed, secrets wrapped."""
        args: Props = {}
        for key, raw in self.config.items():
            value: Any = raw
            if raw[:1] in "{[":
                try:
                    value = json.loads(raw)
                except ValueError:
                    value = raw
            args[key] = {SIG: SECRET_SIG, "value": value} if key in self.secret_keys else value
        return args


class ProviderError(Exception):
    """A provider call failed; ``message`` is the provider's exception text (its last line)."""

    def __init__(self, method: str, urn: str, details: str) -> None:
        lines = [ln for ln in details.strip().splitlines() if ln.strip()]
        self.method = method
        self.urn = urn
        self.details = details
        self.message = lines[-1].strip() if lines else details
        super().__init__(f"{method} failed: {self.message}")


def from_struct(struct: struct_pb2.Struct) -> Props:
    """A protobuf Struct as plain dicts/lists (numbers come back as floats, as on the wire)."""
    out: Props = json_format.MessageToDict(struct)
    return out


def to_struct(props: Props) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(props, struct)
    return struct


# ``python -u -m pulumi.dynamic``, plus one watchdog thread: when our end of its stdin closes (this
# process exited, even by SIGKILL) the server exits too instead of serving forever as an orphan.
_BOOT = (
    "import os, runpy, sys, threading\n"
    "threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n"
    "runpy.run_module('pulumi.dynamic', run_name='__main__', alter_sys=True)\n"
)


class ProviderServer:
    def __init__(self, stack: StackConfig, on_log: Callable[[str], None]) -> None:
        self.stack = stack
        self._on_log = on_log
        env = dict(os.environ)
        env["PULUMI_PROJECT"] = stack.project
        env["PULUMI_STACK"] = stack.stack
        # As the engine does for dynamic providers (pulumi/pulumi#17229): the whole stack config.
        env["PULUMI_CONFIG"] = json.dumps(stack.config)
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(stack.secret_keys))
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(stack.directory), *(p for p in sys.path if p)]))
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-c", _BOOT], cwd=str(stack.directory), env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self._stderr = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr.start()
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_CHANNEL_OPTIONS)
        grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def _read_port(self) -> int:
        stdout = self._proc.stdout
        assert stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()))
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
            return getattr(self._stub, method)(request)
        except grpc.RpcError as exc:
            details = exc.details() if hasattr(exc, "details") else str(exc)
            raise ProviderError(method, urn, str(details)) from None

    # -- the engine's side of the provider protocol ---------------------------------------------
    def configure(self) -> None:
        request = provider_pb2.ConfigureRequest(
            variables=dict(self.stack.config), args=to_struct(self.stack.config_args()), acceptSecrets=True,
            acceptResources=True, sends_old_inputs=True, sends_old_inputs_to_delete=True,
        )
        self._call("Configure", "", request)

    def check(self, urn: str, olds: Props, news: Props) -> tuple[Props, list[str]]:
        req = provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news),
                                        randomSeed=os.urandom(32), name=_name(urn))
        resp = self._call("Check", urn, req)
        failures = [f"{f.property}: {f.reason}" if f.property else f.reason for f in resp.failures]
        return from_struct(resp.inputs), failures

    def diff(self, urn: str, res_id: str, olds: Props, old_inputs: Props, news: Props, ignore: list[str]) -> Any:
        req = provider_pb2.DiffRequest(id=res_id, urn=urn, olds=to_struct(olds), news=to_struct(news),
                                       ignoreChanges=ignore, old_inputs=to_struct(old_inputs), name=_name(urn))
        return self._call("Diff", urn, req)

    def create(self, urn: str, news: Props, timeout: float) -> tuple[str, Props]:
        req = provider_pb2.CreateRequest(urn=urn, properties=to_struct(news), timeout=timeout, name=_name(urn))
        resp = self._call("Create", urn, req)
        return str(resp.id), from_struct(resp.properties)

    def update(self, urn: str, res_id: str, olds: Props, old_inputs: Props, news: Props, timeout: float,
               ignore: list[str]) -> Props:
        req = provider_pb2.UpdateRequest(id=res_id, urn=urn, olds=to_struct(olds), news=to_struct(news),
                                         timeout=timeout, ignoreChanges=ignore, old_inputs=to_struct(old_inputs),
                                         name=_name(urn))
        return from_struct(self._call("Update", urn, req).properties)

    def delete(self, urn: str, res_id: str, outputs: Props, inputs: Props, timeout: float) -> None:
        req = provider_pb2.DeleteRequest(id=res_id, urn=urn, properties=to_struct(outputs), timeout=timeout,
                                         old_inputs=to_struct(inputs), name=_name(urn))
        self._call("Delete", urn, req)

    def read(self, urn: str, res_id: str, outputs: Props, inputs: Props) -> tuple[str, Props, Props | None]:
        req = provider_pb2.ReadRequest(id=res_id, urn=urn, properties=to_struct(outputs), inputs=to_struct(inputs),
                                       name=_name(urn))
        resp = self._call("Read", urn, req)
        new_inputs = from_struct(resp.inputs) if resp.HasField("inputs") else None
        return str(resp.id), from_struct(resp.properties), new_inputs

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


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]
