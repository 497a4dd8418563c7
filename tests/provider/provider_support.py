"""Drive a dynamic provider the way the engine does: the SDK's own provider server
(`python -m pulumi.dynamic`) over gRPC, with the provider dill-serialized into `__provider`; and
Pulumi projects on one emulator account, for programs run by the offline runner.

Reuses the offline runner's gRPC client (cortex_provider.offline.provider.ProviderServer).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from cortex_provider.offline.project import Project
from cortex_provider.offline.provider import ProviderServer
from tests.resources.finetune_support import TRAIN_QUERY, seed

PK = "__provider"


def start_server(tmp_path: Path, emulator: Any, account: str, password: str, logs: list[str]) -> ProviderServer:
    """A provider server configured like `pulumi up` would: cortex:* stack config, password as a secret."""
    (tmp_path / "Pulumi.yaml").write_text("name: cortex\nruntime: python\n")
    project = Project(tmp_path, "cortex", tmp_path / "__main__.py", "test", tmp_path / "Pulumi.test.yaml",
                      config=emulator.stack_config(account, password), secret_keys={"cortex:password"})
    server = ProviderServer(project, logs.append)
    server.configure()
    return server


def write_project(project: Path, emulator: Any, account: str, stack: str, program: str | None = None) -> None:
    """A Pulumi project named `cortex` (stack configs in stacks/) whose stack `stack` points at one
    emulator account; `program` becomes its __main__.py."""
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: cortex\nruntime: python\nstackConfigDir: stacks\n")
    config = {"config": emulator.stack_config(account)}
    (project / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    if program is not None:
        (project / "__main__.py").write_text(program)


def fast_offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A passphrase for the runner's local secrets, and provider polling fast enough for the stub engine."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test")
    monkeypatch.setenv("CORTEX_PROVIDER_POLL_INITIAL_S", "0.05")
    monkeypatch.setenv("CORTEX_PROVIDER_POLL_MAX_S", "0.2")


class ModelProject:
    """Stack `t` of a project whose `program` declares a FineTunedModel from model.json (written by
    `model()`), on a new emulator account seeded with training data (DB.S.TRAIN)."""

    def __init__(self, root: Path, emulator: Any, program: str) -> None:
        self.emulator = emulator
        self.account = emulator.new_account()
        self.conn = emulator.connect(account=self.account)
        seed(self.conn)
        self.dir = root / "proj"
        write_project(self.dir, emulator, self.account, "t", program)
        self.lines: list[str] = []

    def model(self, **over: Any) -> None:
        spec = {"model_name": "TUNED", "database": "DB", "schema_name": "S", "base_model": "mistral-7b",
                "training_query": TRAIN_QUERY, "options": {"max_epochs": 1}}
        spec.update(over)
        (self.dir / "model.json").write_text(json.dumps(spec))


class Driver:
    """One resource's CRUD calls, each carrying the serialized provider as the engine sends it."""

    def __init__(self, server: ProviderServer, provider: ResourceProvider, name: str) -> None:
        self.server = server
        self.blob = serialize_provider(provider)
        self.urn = f"urn:pulumi:test::cortex::pulumi-python:dynamic:Resource::{name}"

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
