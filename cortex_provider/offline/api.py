"""The runner's Python API: ``run_up``, ``run_preview``, ``run_refresh``, ``run_destroy``.

Each call loads the project and stack config, loads the state file, starts one provider server
(lazily, on the first dynamic resource), does the operation and returns a ``RunResult``: the
steps, stack outputs, every gRPC call made to the provider, the printed lines, warnings, errors.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cortex_provider.offline import wire
from cortex_provider.offline.crypto import SecretsError, passphrase_from_env
from cortex_provider.offline.display import Display, Step
from cortex_provider.offline.engine import Deployment, StepError, delete_order
from cortex_provider.offline.monitor import OfflineMonitor, run_program
from cortex_provider.offline.project import Project, ProjectError, load_project
from cortex_provider.offline.provider import Call, ProviderError, ProviderServer
from cortex_provider.offline.state import StackState

Printer = Callable[[str], None]


@dataclass
class RunResult:
    command: str
    ok: bool
    state_path: Path
    steps: list[Step] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)  # stack outputs, secrets unwrapped
    calls: list[Call] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def ops(self) -> dict[str, str]:
        """Resource name -> step op (``create``/``same``/``update``/``replace``/``delete``...)."""
        return {s.name: s.op for s in self.steps if s.op != "delete-replaced"}

    def methods(self, urn_suffix: str = "") -> list[str]:
        """The provider RPCs made, in order (optionally only for URNs ending with ``urn_suffix``)."""
        return [c.method for c in self.calls if c.urn.endswith(urn_suffix)]


UpResult = RunResult


class _LazyProvider:
    def __init__(self, project: Project, display: Display) -> None:
        self.server: ProviderServer | None = None
        self.deployment: Deployment | None = None
        self._project = project
        self._display = display

    def __call__(self) -> ProviderServer:
        if self.server is None:
            self.server = ProviderServer(self._project, self._log)
            self.server.configure()
        return self.server

    def _log(self, line: str) -> None:
        current = self.deployment.current if self.deployment is not None else ""
        self._display.progress(current or "provider", line)


@dataclass
class _Session:
    project: Project
    state: StackState
    display: Display
    provider: _LazyProvider
    deployment: Deployment
    result: RunResult


def _run(command: str, project_dir: str | Path, stack: str, state_path: str | Path | None,
         printer: Printer, show_diff: bool, body: Callable[[_Session], None]) -> RunResult:
    preview = command == "preview"
    display = Display(printer, preview=preview, show_diff=show_diff)
    root = Path(project_dir).resolve()
    path = Path(state_path).resolve() if state_path else root / ".pulumi-local" / f"{stack}.json"
    result = RunResult(command, False, path)
    server: _LazyProvider | None = None
    deployment: Deployment | None = None
    try:
        passphrase = passphrase_from_env()
        project = load_project(root, stack, passphrase=passphrase)
        state = StackState.load(path, project.name, stack, project.crypter, passphrase)
        server = _LazyProvider(project, display)
        deployment = Deployment(state, server, display, preview=preview)
        server.deployment = deployment
        display.banner(f"{_TITLES[command]} stack '{stack}' of project '{project.name}' (state: {path})")
        for op in state.pending:
            result.warnings.append(f"pending operation from an interrupted run: {op.kind} {op.urn}")
            display.warning(result.warnings[-1] + " (the provider's create/read decides whether the "
                            "object exists; run refresh to check)")
        if state.pending and not preview:
            state.pending.clear()
            state.save()
        session = _Session(project, state, display, server, deployment, result)
        body(session)
        _finish(session)
    except (ProjectError, SecretsError, ProviderError) as exc:
        display.error(str(exc))
        result.errors.append(str(exc))
    finally:
        if server is not None and server.server is not None:
            result.calls = list(server.server.calls)
            server.server.close()
        if deployment is not None:
            result.steps = deployment.steps
            result.errors = [*deployment.errors, *result.errors]
        result.ok = not result.errors
        result.lines = display.lines
    return result


_TITLES = {"up": "Updating", "preview": "Previewing update of", "refresh": "Refreshing",
           "destroy": "Destroying"}


def _finish(s: _Session) -> None:
    if s.deployment.errors:
        s.display.summary(s.deployment.steps)
        s.display.emit(f"{s.result.command} failed: {len(s.deployment.errors)} error(s)")
        return
    s.display.outputs(s.deployment.stack_outputs)
    s.display.summary(s.deployment.steps)
    s.result.outputs = wire.plain_props(s.deployment.stack_outputs)


def _program(s: _Session) -> None:
    dep = s.deployment
    exc = run_program(s.project, OfflineMonitor(dep.register, dep.register_outputs, dep.read),
                      preview=dep.preview, log=s.display.emit)
    if exc is not None and not dep.errors:
        tail = "".join(traceback.format_exception(exc)[-6:]).rstrip()
        dep.fail(f"the program failed:\n{tail}")
    if not dep.errors:
        for res in dep.pending_deletes():
            try:
                dep.delete(res)
            except (StepError, ProviderError) as err:
                dep.fail(f"{res.name} ({res.type}): {getattr(err, 'message', err)}")
                break


def _refresh(s: _Session) -> None:
    for res in list(s.state.resources.values()):
        if not res.custom:
            continue
        try:
            new_id, outs, new_inputs = s.provider().read(res.urn, res.id, res.outputs, res.inputs)
        except ProviderError as err:
            s.deployment.fail(f"{res.name} ({res.type}): {err.message}")
            return
        if not new_id:
            step = Step("delete", res.urn, res.type, True, old=res.outputs, note="gone: deleted out of band")
            s.state.drop(res)
        else:
            outs = wire.rewrap(outs, wire.secret_keys(res.outputs))
            changed = [k for k in wire.changed_keys(res.outputs, outs) if k != wire.PROVIDER_KEY]
            step = Step("update" if changed else "same", res.urn, res.type, True, changed,
                        res.outputs, outs, note="drift" if changed else "")
            res.id, res.outputs = new_id, outs
            if new_inputs is not None:
                res.inputs = wire.rewrap(new_inputs, wire.secret_keys(res.inputs))
        s.state.save()
        s.deployment.steps.append(step)
        s.display.step(step)


def _destroy(s: _Session) -> None:
    order = delete_order(list(s.state.resources.values()))
    protected = [r.name for r in order if r.protect]
    if protected:
        s.deployment.fail(f"cannot destroy: protected resources {', '.join(protected)}; set "
                          "protect: false and run up first")
        return
    for res in order:
        try:
            s.deployment.delete(res)
        except (StepError, ProviderError) as err:
            s.deployment.fail(f"{res.name} ({res.type}): {getattr(err, 'message', err)}")
            return


def run_up(project_dir: str | Path, stack: str, *, state_path: str | Path | None = None,
           show_diff: bool = False, printer: Printer = print) -> RunResult:
    """``pulumi up --yes``: run the program, create/update/replace/delete to match it."""
    return _run("up", project_dir, stack, state_path, printer, show_diff, _program)


def run_preview(project_dir: str | Path, stack: str, *, state_path: str | Path | None = None,
                show_diff: bool = False, printer: Printer = print) -> RunResult:
    """``pulumi preview``: Check and Diff only; no Create/Update/Delete, the state file untouched."""
    return _run("preview", project_dir, stack, state_path, printer, show_diff, _program)


def run_refresh(project_dir: str | Path, stack: str, *, state_path: str | Path | None = None,
                show_diff: bool = False, printer: Printer = print) -> RunResult:
    """``pulumi refresh --yes``: Read each resource, adopt what it reports, report drift."""
    return _run("refresh", project_dir, stack, state_path, printer, show_diff, _refresh)


def run_destroy(project_dir: str | Path, stack: str, *, state_path: str | Path | None = None,
                show_diff: bool = False, printer: Printer = print) -> RunResult:
    """``pulumi destroy --yes``: delete everything, dependents first; retainOnDelete only forgets."""
    return _run("destroy", project_dir, stack, state_path, printer, show_diff, _destroy)
