"""Runs the Pulumi program under ``pulumi.runtime.set_mocks`` with a monitor that plays the engine.

The SDK sends a ``RegisterResource`` only once a resource's inputs have resolved, i.e. after every
resource it depends on has been registered and answered. So answering each registration with the
real step's outputs (the provider's Create result, or the prior state's outputs when nothing
changed) makes outputs of created resources flow into dependents, as under the engine: no second
pass is needed. The program runs in its own thread (fresh contextvars, so the SDK's globals start
clean each run) with the project directory as cwd and first on ``sys.path``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import runpy
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2
from pulumi.runtime import mocks, set_all_config, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack

from cortex_provider.offline import wire
from cortex_provider.offline.project import Project


@dataclass
class Registration:
    """One ``RegisterResource`` request, with the options the engine acts on."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: wire.Props
    dependencies: list[str]
    protect: bool
    delete_before_replace: bool | None  # None: not set, the provider's Diff decides
    replace_on_changes: list[str]
    ignore_changes: list[str]
    retain_on_delete: bool
    additional_secret_outputs: list[str]
    timeouts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, urn: str, req: Any) -> Registration:
        deps = list(dict.fromkeys([*req.dependencies, *(u for d in req.propertyDependencies.values()
                                                          for u in d.urns)]))
        timeouts = {k: getattr(req.customTimeouts, k) for k in ("create", "update", "delete")
                    if getattr(req.customTimeouts, k, "")}
        return cls(
            urn=urn,
            type=req.type,
            name=req.name,
            custom=bool(req.custom),
            parent=req.parent,
            inputs=wire.from_struct(req.object),
            dependencies=deps,
            protect=bool(req.protect),
            delete_before_replace=bool(req.deleteBeforeReplace) if req.deleteBeforeReplaceDefined
            or req.deleteBeforeReplace else None,
            replace_on_changes=list(req.replaceOnChanges),
            ignore_changes=list(req.ignoreChanges),
            retain_on_delete=bool(req.retainOnDelete),
            additional_secret_outputs=list(req.additionalSecretOutputs),
            timeouts=timeouts,
        )


@dataclass
class Answer:
    """The engine's reply: the resource's id and outputs, or a failure (outputs become unknown)."""

    id: str = ""
    outputs: wire.Props = field(default_factory=dict)
    failed: bool = False


class UnsupportedByRunner(Exception):
    """The program used something only the Pulumi engine and its plugins provide."""


# (urn, type, id, properties) of a ReadResource -> the engine's answer
ReadHandler = Callable[[str, str, str, wire.Props], Answer]


class OfflineMonitor(mocks.MockMonitor):
    def __init__(
        self,
        on_register: Callable[[Registration], Answer],
        on_outputs: Callable[[str, wire.Props], None],
        on_read: ReadHandler | None = None,
    ) -> None:
        super().__init__(_NoMocks())
        self._on_register = on_register
        self._on_outputs = on_outputs
        self._on_read = on_read

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's full qualified type, except the root stack's, prefixes."""
        if parent:
            qualified = parent.split("::")[2]
            if qualified != "pulumi:pulumi:Stack":
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([settings.get_stack(), settings.get_project(), type_, name])

    def RegisterResource(self, request: Any) -> Any:  # gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        answer = self._on_register(Registration.from_request(urn, request))
        return resource_pb2.RegisterResourceResponse(
            urn=urn,
            id=answer.id,
            object=wire.to_struct(answer.outputs),
            result=resource_pb2.Result.FAIL if answer.failed else resource_pb2.Result.SUCCESS,
        )

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self._on_outputs(request.urn, wire.from_struct(request.outputs))
        return empty_pb2.Empty()

    def ReadResource(self, request: Any) -> Any:
        """Reads (``get`` / ``StackReference``): the deployment answers those it supports."""
        if self._on_read is None:
            raise UnsupportedByRunner(
                f"reading existing resource {request.name} ({request.type}) needs the Pulumi engine")
        urn = self.make_urn(request.parent, request.type, request.name)
        answer = self._on_read(urn, request.type, request.id, wire.from_struct(request.properties))
        return resource_pb2.ReadResourceResponse(
            urn=urn,
            id=answer.id,
            properties=wire.to_struct(answer.outputs),
            result=resource_pb2.Result.FAIL if answer.failed else resource_pb2.Result.SUCCESS,
        )


class _NoMocks(mocks.Mocks):
    def call(self, args: Any) -> Any:
        raise UnsupportedByRunner(f"function {args.token} needs a Pulumi provider plugin; "
                                  "the offline runner supports only pulumi.dynamic resources")

    def new_resource(self, args: Any) -> Any:
        raise UnsupportedByRunner(f"{args.typ} is not supported offline")


class _Forward(logging.Handler):
    def __init__(self, sink: Callable[[str], None]) -> None:
        super().__init__()
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self._sink(f"{record.levelname.lower()}: {record.getMessage()}")


def run_program(
    project: Project, monitor: OfflineMonitor, *, preview: bool, log: Callable[[str], None]
) -> BaseException | None:
    """Run the project's program to completion; returns the exception it ended with, if any."""
    logger = logging.Logger("cortex_provider.offline.program", logging.INFO)
    logger.addHandler(_Forward(log))
    failure: list[BaseException] = []

    def target() -> None:
        # set_mocks builds a throwaway root Stack unless one exists; run_in_stack builds the real one.
        settings.ROOT.set(object())  # type: ignore[arg-type]
        mocks.set_mocks(_NoMocks(), project=project.name, stack=project.stack, preview=preview,
                        logger=logger, monitor=monitor, organization="organization")
        settings.ROOT.set(None)
        set_all_config(dict(project.config), sorted(project.secret_keys))
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        program = str(project.program)
        try:
            loop.run_until_complete(run_in_stack(lambda: _run_path(program)))
        except BaseException as exc:  # reported to the user by the caller
            failure.append(exc)
        finally:
            loop.close()

    old_cwd, old_path = os.getcwd(), list(sys.path)
    before = set(sys.modules)
    os.chdir(project.directory)
    sys.path.insert(0, str(project.directory))
    try:
        thread = threading.Thread(target=target, name="pulumi-program")
        thread.start()
        thread.join()
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        _forget_project_modules(project.directory, before)
    return failure[0] if failure else None


def _run_path(program: str) -> None:
    runpy.run_path(program, run_name="__main__")


def _forget_project_modules(directory: Path, before: set[str]) -> None:
    """Drop modules imported from the project dir, so the next run (maybe another dir) re-imports."""
    for name in set(sys.modules) - before:
        path = getattr(sys.modules[name], "__file__", None) or ""
        if path and Path(path).resolve().is_relative_to(directory):
            del sys.modules[name]
