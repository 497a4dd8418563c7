"""What the runner prints: the lines ``pulumi up`` would show, in plain text.

The first line always says the Pulumi engine is not running; a verification tool must not pass
itself off as Pulumi.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cortex_provider.offline import wire

BANNER = (
    "Running without the Pulumi engine (offline runner: pulumi.runtime mocks + python -m pulumi.dynamic)."
    " This is a verification tool, not Pulumi."
)

SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": "", "read": "~",
           "delete-replaced": "--"}
PAST = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted",
        "same": "unchanged", "read": "refreshed", "delete-replaced": "deleted original"}


@dataclass
class Step:
    """One resource's step in a run, as tests and the summary see it."""

    op: str  # create | same | update | replace | delete | delete-replaced | read
    urn: str
    type: str
    custom: bool
    changed: list[str] = field(default_factory=list)
    old: wire.Props = field(default_factory=dict)
    new: wire.Props = field(default_factory=dict)
    note: str = ""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


class Display:
    def __init__(self, printer: Callable[[str], None], *, preview: bool, show_diff: bool) -> None:
        self.lines: list[str] = []
        self._printer = printer
        self._preview = preview
        self._show_diff = show_diff
        self._lock = threading.Lock()

    def emit(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)
            self._printer(line)

    def banner(self, title: str) -> None:
        self.emit(BANNER)
        self.emit(title)

    def step(self, step: Step) -> None:
        verb = step.op if self._preview or step.op == "same" else PAST.get(step.op, step.op)
        if step.op == "same":
            verb = "same"
        sym = SYMBOLS.get(step.op, "?")
        text = f"{sym:>2} {verb:<10} {step.name}  ({step.type})"
        if step.changed:
            marks = ",".join(f"~{k}" for k in step.changed)
            text += f"  [diff: {marks}]"
        if step.note:
            text += f"  ({step.note})"
        if step.seconds >= 0.1:
            text += f"  {step.seconds:.1f}s"
        self.emit(text)
        if self._show_diff:
            for key in step.changed:
                if key == wire.PROVIDER_KEY:
                    self.emit(f"      {key}: (the pickled provider code changed)")
                    continue
                self.emit(f"      {key}: {_show(step.old.get(key))} => {_show(step.new.get(key))}")
            if step.op == "create":  # like `pulumi preview --diff`: a create lists its inputs
                for key in sorted(k for k, v in step.new.items() if v is not None and k != wire.PROVIDER_KEY):
                    self.emit(f"      + {key}: {_show(step.new[key])}")

    def progress(self, name: str, text: str) -> None:
        self.emit(f"    [{name}] {text}")

    def warning(self, text: str) -> None:
        self.emit(f"warning: {text}")

    def error(self, text: str) -> None:
        self.emit(f"error: {text}")

    def summary(self, steps: list[Step]) -> None:
        counts: dict[str, int] = {}
        for s in steps:
            if s.op != "delete-replaced":
                counts[s.op] = counts.get(s.op, 0) + 1
        order = ["create", "update", "replace", "delete", "read", "same"]
        parts = []
        for op in order:
            if counts.get(op):
                word = PAST[op] if not self._preview or op == "same" else f"to {op}"
                parts.append(f"{counts[op]} {word}")
        self.emit("Resources: " + (", ".join(parts) if parts else "no changes"))

    def outputs(self, outputs: wire.Props) -> None:
        if not outputs:
            return
        self.emit("Outputs:")
        for key in sorted(outputs):
            self.emit(f"    {key}: {_show(outputs[key])}")


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(wire.masked(value), sort_keys=True, default=str)
