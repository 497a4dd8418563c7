"""Toy dynamic provider for the offline runner's tests; copied into each toy project directory.

Its "cloud" is a JSON file (path from stack config ``toy:world``, read in ``configure``) holding
the live objects and an ordered log of every operation, so tests can assert what really happened
and in which order. Behaviour knobs are plain inputs: ``name`` is immutable (replace),
``provider_dbr`` makes Diff ask for delete-before-replace, ``sleep`` slows create (printing
progress to stderr), ``fail`` makes create raise.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

_OUTPUT_ONLY = {"arn", "__provider"}


class ToyProvider(ResourceProvider):
    world_path: str = ""

    def configure(self, req: ConfigureRequest) -> None:
        self.world_path = req.config.require("world")
        world = self._load()
        world["configured"] = {"token": req.config.get("token"), "region": req.config.get("region"),
                               "env_region": pulumi.Config("toy").get("region")}
        self._save(world)

    def _load(self) -> dict[str, Any]:
        path = Path(self.world_path)
        return json.loads(path.read_text()) if path.exists() else {"objects": {}, "log": []}

    def _save(self, world: dict[str, Any]) -> None:
        Path(self.world_path).write_text(json.dumps(world, indent=1))

    def _log(self, world: dict[str, Any], op: str, obj_id: str) -> None:
        world["log"].append([op, obj_id])

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if not isinstance(news.get("name"), str):
            failures.append(CheckFailure("name", "name must be a string; set name='...'"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = sorted((set(olds) | set(news)) - _OUTPUT_ONLY)
        changes = [k for k in keys if olds.get(k) != news.get(k)]
        replaces = [k for k in changes if k == "name"]
        return DiffResult(changes=bool(changes), replaces=replaces,
                          delete_before_replace=bool(news.get("provider_dbr")))

    def create(self, props: dict[str, Any]) -> CreateResult:
        for i in range(int(props.get("sleep") or 0)):
            print(f"progress {i + 1}", file=sys.stderr, flush=True)
            time.sleep(1)
        if props.get("fail"):
            raise RuntimeError(f"toy create failed on purpose for {props['name']}")
        world = self._load()
        obj_id = f"{props['name']}-{len(world['log'])}"
        world["objects"][obj_id] = {k: v for k, v in props.items() if k not in _OUTPUT_ONLY}
        self._log(world, "create", obj_id)
        self._save(world)
        return CreateResult(obj_id, {**props, "arn": f"toy::{obj_id}"})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        world = self._load()
        self._log(world, "read", id_)
        self._save(world)
        live = world["objects"].get(id_)
        if live is None:
            return ReadResult(None, {})  # gone: the engine drops it from state
        return ReadResult(id_, {**live, "arn": props.get("arn")})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        world = self._load()
        world["objects"][id_] = {k: v for k, v in news.items() if k not in _OUTPUT_ONLY}
        self._log(world, "update", id_)
        self._save(world)
        return UpdateResult({**news, "arn": olds.get("arn")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        world = self._load()
        world["objects"].pop(id_, None)
        self._log(world, "delete", id_)
        self._save(world)


class Thing(Resource):
    """A toy resource; ``arn`` is an output computed by create."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ToyProvider(), name, {"arn": None, "name": name, **props}, opts)


class Group(pulumi.ComponentResource):
    """A toy component holding one Thing."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("toy:index:Group", name, None, opts)
        self.member = Thing(f"{name}-member", {"size": 1}, pulumi.ResourceOptions(parent=self))
        self.register_outputs({"member_arn": self.member.arn})
