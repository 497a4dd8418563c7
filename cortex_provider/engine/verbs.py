"""One engine verb on one stack: open the stack (inline program, this project's Pulumi.yaml and stack
files), run `up`/`preview`/`refresh`/`destroy` through the `pulumi` CLI, stream its own output.

Results carry what tests and benchmarks assert on: Pulumi's change summary, the stack outputs, and the
text the CLI printed. Nothing here decides a plan or touches state: the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pulumi import automation as auto

from cortex_provider.engine.cli import engine_env, find_pulumi, pulumi_version

Printer = Callable[[str], None]
VERBS = ("up", "preview", "refresh", "destroy")


def _program() -> None:
    """The inline program: the same entry point as __main__.py."""
    from cortex_provider.program.main import main

    main()


@dataclass
class VerbResult:
    """What one engine verb did: ok, Pulumi's per-operation counts, outputs, and what it printed."""

    verb: str
    ok: bool
    summary: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""

    @property
    def changes(self) -> int:
        """Operations other than `same` (what `--expect-no-changes` would refuse)."""
        return sum(n for op, n in self.summary.items() if op not in ("same", "read"))


def project_name(project_dir: Path) -> str:
    data = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    return str(data["name"])


def open_stack(project_dir: Path | str, stack: str, *, env: Mapping[str, str] | None = None,
               program: Callable[[], None] | None = None) -> auto.Stack:
    """Select (or create) `stack` of the project in `project_dir`, wired to the local engine."""
    project_dir = Path(project_dir).resolve()
    binary = find_pulumi()
    pulumi_version(binary)
    env_vars = {**engine_env(project_dir, binary, {**(env or {})} or None), **(env or {})}
    root = str(binary.parent.parent) if binary.parent.name == "bin" else None
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(project_dir),
        pulumi_command=auto.PulumiCommand(root=root, skip_version_check=True),
        env_vars=env_vars,
    )
    return auto.create_or_select_stack(stack_name=stack, project_name=project_name(project_dir),
                                       program=program or _program, opts=opts)


def _summary(changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {getattr(op, "value", str(op)): int(n) for op, n in (changes or {}).items()}


def run_verb(stack: auto.Stack, verb: str, *, printer: Printer = print, diff: bool = False,
             policy_packs: Sequence[str] = (), expect_no_changes: bool = False,
             targets: Sequence[str] = (), color: str = "never") -> VerbResult:
    """Run one verb; a failed engine run is a result with ok=False (its output was already printed)."""
    out: list[str] = []
    err: list[str] = []

    def on_output(line: str) -> None:
        out.append(line)
        printer(line)

    def on_error(line: str) -> None:
        err.append(line)
        printer(line)

    common: dict[str, Any] = {"on_output": on_output, "on_error": on_error, "color": color}
    if targets:
        common["target"] = list(targets)
    try:
        if verb == "up":
            up = stack.up(diff=diff, policy_packs=list(policy_packs) or None,
                          expect_no_changes=expect_no_changes or None, **common)
            outputs = {k: v.value for k, v in up.outputs.items()}
            return VerbResult(verb, True, _summary(up.summary.resource_changes), outputs,
                              "\n".join(out), "\n".join(err))
        if verb == "preview":
            pre = stack.preview(diff=diff, policy_packs=list(policy_packs) or None,
                                expect_no_changes=expect_no_changes or None, **common)
            return VerbResult(verb, True, _summary(pre.change_summary), {}, "\n".join(out), "\n".join(err))
        if verb == "refresh":
            ref = stack.refresh(expect_no_changes=expect_no_changes or None, **common)
            return VerbResult(verb, True, _summary(ref.summary.resource_changes), {},
                              "\n".join(out), "\n".join(err))
        if verb == "destroy":
            des = stack.destroy(**common)
            return VerbResult(verb, True, _summary(des.summary.resource_changes), {},
                              "\n".join(out), "\n".join(err))
    except auto.errors.CommandError:
        return VerbResult(verb, False, {}, {}, "\n".join(out), "\n".join(err))
    raise ValueError(f"unknown verb {verb!r}; choose one of {', '.join(VERBS)}")
