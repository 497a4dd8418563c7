"""One engine verb on one stack: open the stack (inline program, this project's Pulumi.yaml and stack
files), run `up`/`preview`/`refresh`/`destroy` through the `pulumi` CLI, stream its own output.

Results carry what tests and benchmarks assert on: Pulumi's change summary, the stack outputs, and the
text the CLI printed. Nothing here decides a plan or touches state: the engine does.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from cortex_provider.engine.cli import engine_vars, find_pulumi, pulumi_version
from cortex_provider.project import project_name

Printer = Callable[[str], None]
VERBS = ("up", "preview", "refresh", "destroy")


def _program() -> None:
    """The inline program: the same entry point as __main__.py."""
    from cortex_provider.program.main import main

    main()


@dataclass(frozen=True)
class Step:
    """One engine step as its events report it: the operation, the resource and its inputs."""

    op: str
    name: str
    urn: str
    new_inputs: dict[str, Any]
    old_inputs: dict[str, Any]


@dataclass
class VerbResult:
    """What one engine verb did: ok, Pulumi's per-operation counts, outputs, what it printed, and the
    engine's events (steps as planned, steps in the order they finished, policy violations)."""

    verb: str
    ok: bool
    summary: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    steps: list[Step] = field(default_factory=list)
    finished: list[tuple[str, str]] = field(default_factory=list)  # (op, name) as each step completed
    policy: list[tuple[str, str, str]] = field(default_factory=list)  # (enforcement level, policy, message)

    def ops(self) -> dict[str, str]:
        """Resource name -> operation, for every planned step (the stack itself included)."""
        return {s.name: s.op for s in self.steps}

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    @property
    def changes(self) -> int:
        """Operations other than `same` (what `--expect-no-changes` would refuse)."""
        return sum(n for op, n in self.summary.items() if op not in ("same", "read"))


def project_program(project_dir: Path) -> Callable[[], None] | None:
    """The project's own `__main__.py` as the inline program, as `pulumi up` in that directory would run
    it (None: no such file, the cortex:spec program)."""
    main = Path(project_dir).resolve() / "__main__.py"
    if not main.is_file():
        return None

    def run() -> None:
        sys.path.insert(0, str(main.parent))  # its sibling modules import as under the language host
        try:
            runpy.run_path(str(main), run_name="__main__")
        finally:
            sys.path.remove(str(main.parent))

    return run


def open_stack(project_dir: Path | str, stack: str, *, env: Mapping[str, str] | None = None,
               program: Callable[[], None] | None = None) -> auto.Stack:
    """Select (or create) `stack` of the project in `project_dir`, wired to the local engine."""
    project_dir = Path(project_dir).resolve()
    binary = find_pulumi()
    pulumi_version(binary)
    env_vars = engine_vars(project_dir, binary, env)
    root = str(binary.parent.parent) if binary.parent.name == "bin" else None
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(project_dir),
        pulumi_command=auto.PulumiCommand(root=root, skip_version_check=True),
        env_vars=env_vars,
    )
    return auto.create_or_select_stack(stack_name=stack, project_name=project_name(project_dir),
                                       program=program or _program, opts=opts)


class _Events:
    """Collects the engine's structured events while a verb runs."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.finished: list[tuple[str, str]] = []
        self.policy: list[tuple[str, str, str]] = []

    def __call__(self, event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            md = event.resource_pre_event.metadata
            if md.type.startswith("pulumi:providers:"):  # the default provider: not a resource of ours
                return
            self.steps.append(Step(_op(md.op), md.urn.split("::")[-1], md.urn, _inputs(md.new), _inputs(md.old)))
        elif event.res_outputs_event is not None:
            md = event.res_outputs_event.metadata
            if md.type.startswith("pulumi:providers:"):
                return
            self.finished.append((_op(md.op), md.urn.split("::")[-1]))
        elif event.policy_event is not None:
            pe = event.policy_event
            self.policy.append((pe.enforcement_level, pe.policy_name, pe.message))

    def fill(self, result: VerbResult) -> VerbResult:
        result.steps, result.finished, result.policy = self.steps, self.finished, self.policy
        return result


def _op(op: Any) -> str:
    return str(getattr(op, "value", op))


def _inputs(state: Any) -> dict[str, Any]:
    return dict(getattr(state, "inputs", None) or {})


def _summary(changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {getattr(op, "value", str(op)): int(n) for op, n in (changes or {}).items()}


# What the engine says at the start of an update that finds pending operations in the state.
PENDING_WARNING = "pending operations from previous deployment"


def settle_pending_creates(stack: auto.Stack, printer: Printer) -> int:
    """Drop the pending CREATE operations an interrupted update left in the state once the resource is
    in the state again (this `up` re-ran the create, and the provider adopted what the crashed one had
    made). The engine keeps them otherwise, and every later `up` warns about them.
    Pulumi documents editing `pending_operations` out of `pulumi stack export` and importing it back
    (pulumi.com /docs/iac/operations/troubleshooting/interrupted-updates/); this does that, only for
    creates that are settled."""
    exported = stack.export_stack()
    state: dict[str, Any] = dict(exported.deployment or {})
    pending = state.get("pending_operations") or []
    have = {r.get("urn") for r in state.get("resources") or []}
    settled = [op for op in pending if op.get("type") == "creating" and (op.get("resource") or {}).get("urn") in have]
    if not settled:
        return 0
    left = [op for op in pending if op not in settled]
    state["pending_operations"] = left
    if not left:
        del state["pending_operations"]
    stack.import_stack(auto.Deployment(version=exported.version, deployment=state))
    printer(f"cleared {len(settled)} pending create operation(s) left by an interrupted update: "
            "each resource is in the state again")
    return len(settled)


# What the inline program's gRPC client says when the CLI's engine endpoint is gone before the program
# ends: the CLI tore its run down (seen rarely, under load, with no step begun and no other message).
ENGINE_GONE = "failed to connect to all addresses"


def _engine_gone_before_any_step(result: VerbResult) -> bool:
    """A failed run that touched nothing: only the root Stack was stepped and the engine vanished."""
    touched = [s for s in result.steps if not s.urn.split("::")[-2].endswith("pulumi:pulumi:Stack")]
    return not result.ok and not touched and ENGINE_GONE in result.stdout + result.stderr


# A refresh only reads: stopped midway it leaves the state before it whole, so the engine need not rewrite
# the whole checkpoint after every resource it reads (the file backend's cost grows with the stack's size
# squared: 1,000 trivial resources refresh in ~110 s with checkpoints, a few s without; docs/scale.md).
# `up` and `destroy` keep the engine's checkpoints: they record what was created or deleted so far.
REFRESH_SETTINGS = {"PULUMI_SKIP_CHECKPOINTS": "true"}


@contextlib.contextmanager
def _settings(stack: auto.Stack, defaults: Mapping[str, str]) -> Iterator[None]:
    """`defaults` in the CLI's environment for one call, unless the caller's environment sets them."""
    workspace = stack.workspace
    before = dict(workspace.env_vars)
    chosen = {k: v for k, v in defaults.items() if k not in os.environ and k not in before}
    workspace.env_vars = {**before, **chosen}
    try:
        yield
    finally:
        workspace.env_vars = before


def run_verb(stack: auto.Stack, verb: str, *, printer: Printer = print, **kwargs: Any) -> VerbResult:
    """Run one verb; a failed engine run is a result with ok=False (its output was already printed).
    A run whose engine endpoint vanished before any resource step is run once more: nothing was
    planned or changed, and the user would otherwise see a bare gRPC error."""
    result = _run_verb_once(stack, verb, printer=printer, **kwargs)
    if _engine_gone_before_any_step(result):
        printer(f"the Pulumi engine stopped answering before `{verb}` began any step; running it again")
        result = _run_verb_once(stack, verb, printer=printer, **kwargs)
    return result


def _run_verb_once(stack: auto.Stack, verb: str, *, printer: Printer = print, diff: bool = False,
                   policy_packs: Sequence[str] = (), policy_pack_configs: Sequence[str] = (),
                   expect_no_changes: bool = False,
                   targets: Sequence[str] = (), color: str = "never") -> VerbResult:
    out: list[str] = []
    err: list[str] = []

    def on_output(line: str) -> None:
        out.append(line)
        printer(line)

    def on_error(line: str) -> None:
        err.append(line)
        printer(line)

    events = _Events()
    common: dict[str, Any] = {"on_output": on_output, "on_error": on_error, "on_event": events, "color": color}
    if targets:
        common["target"] = list(targets)
    policy: dict[str, Any] = {"policy_packs": list(policy_packs) or None,
                              "policy_pack_configs": list(policy_pack_configs) or None}
    try:
        if verb == "up":
            up = stack.up(diff=diff, **policy,
                          expect_no_changes=expect_no_changes or None, **common)
            if any(PENDING_WARNING in line for line in out + err):  # else no `stack export` is needed
                settle_pending_creates(stack, on_output)
            outputs = {k: v.value for k, v in up.outputs.items()}
            return events.fill(VerbResult(verb, True, _summary(up.summary.resource_changes), outputs,
                                          "\n".join(out), "\n".join(err)))
        if verb == "preview":
            pre = stack.preview(diff=diff, **policy,
                                expect_no_changes=expect_no_changes or None, **common)
            return events.fill(VerbResult(verb, True, _summary(pre.change_summary), {},
                                          "\n".join(out), "\n".join(err)))
        if verb == "refresh":
            # The program runs too (`--run-program`), so the stack's outputs are computed from what was
            # just read back: a plain refresh prints, and keeps, the outputs of the last `up`.
            with _settings(stack, REFRESH_SETTINGS):
                ref = stack.refresh(expect_no_changes=expect_no_changes or None, run_program=True, **common)
            outputs = {k: v.value for k, v in stack.outputs().items()}
            return events.fill(VerbResult(verb, True, _summary(ref.summary.resource_changes), outputs,
                                          "\n".join(out), "\n".join(err)))
        if verb == "destroy":
            des = stack.destroy(**common)
            return events.fill(VerbResult(verb, True, _summary(des.summary.resource_changes), {},
                                          "\n".join(out), "\n".join(err)))
    except auto.errors.CommandError:
        return events.fill(VerbResult(verb, False, {}, {}, "\n".join(out), "\n".join(err)))
    raise ValueError(f"unknown verb {verb!r}; choose one of {', '.join(VERBS)}")
