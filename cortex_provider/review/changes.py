"""A preview as a list of per-resource changes, from `pulumi preview --json` (run on the real engine
by `engine_preview`, or read from a file).

From `pulumi preview --json` (Pulumi's documented PreviewDigest, pkg/display/json.go) this reads only:
- `steps[]`: `op`, `urn`, `newState.type`, `newState.inputs`, `oldState.type`, `oldState.inputs`,
  `diffReasons` (update steps), `replaceReasons` (replace steps) and the keys of `detailedDiff`;
- `changeSummary` is not needed (counted from the steps). Secrets arrive as `[secret]`.
A replacement appears there as up to three steps with one URN (`create-replacement`, `replace`,
`delete-replaced`); they fold into one `replace` change. Same steps carry their inputs in newState.

"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cortex_provider.review.kinds import Kind, kind_of
from cortex_provider.review.policies import Planned, stack_of

_REPLACE_OPS = {"create-replacement", "replace", "delete-replaced", "discard-replaced", "import-replacement"}
_OP_ALIASES = {"discard": "delete", "refresh": "read", "import": "create"}
_RANK = {"replace": 5, "create": 4, "update": 3, "delete": 2, "read": 1, "same": 0}
_PROVIDER_KEY = "__provider"


@dataclass
class Change:
    name: str
    urn: str
    type: str
    op: str  # create | update | replace | delete | same | read
    changed: list[str] = field(default_factory=list)
    old: Mapping[str, Any] = field(default_factory=dict)  # prior inputs
    new: Mapping[str, Any] = field(default_factory=dict)  # planned (checked) inputs
    note: str = ""

    @property
    def kind(self) -> Kind | None:
        return kind_of(self.type, self.new or self.old)

    @property
    def planned(self) -> Planned | None:
        """The resource as it will be after this change (None when it is being deleted)."""
        return None if self.op == "delete" else Planned(self.name, self.type, self.new)


@dataclass
class Preview:
    stack: str
    changes: list[Change]
    errors: list[str] = field(default_factory=list)


def _strip(props: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (props or {}).items() if k != _PROVIDER_KEY}


def _diff_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


# -- pulumi preview --json --------------------------------------------------------------------------
def from_preview_json(doc: Mapping[str, Any], stack: str | None = None) -> Preview:
    by_urn: dict[str, Change] = {}
    order: list[str] = []
    for raw in doc.get("steps") or []:
        urn = str(raw.get("urn", ""))
        op = str(raw.get("op", "same"))
        op = "replace" if op in _REPLACE_OPS else _OP_ALIASES.get(op, op)
        new_state, old_state = raw.get("newState") or {}, raw.get("oldState") or {}
        rtype = str(new_state.get("type") or old_state.get("type") or (urn.split("::")[-2] if "::" in urn else ""))
        if rtype == "pulumi:pulumi:Stack" or (new_state or old_state).get("custom") is False:
            continue
        reasons = [*(raw.get("replaceReasons") or []), *(raw.get("diffReasons") or []),
                   *(k.split(".")[0].split("[")[0] for k in (raw.get("detailedDiff") or {}))]
        change = by_urn.get(urn)
        if change is None:
            change = by_urn[urn] = Change(urn.rsplit("::", 1)[-1], urn, rtype, op)
            order.append(urn)
        elif _RANK.get(op, 0) > _RANK.get(change.op, 0):
            change.op = op
        if new_state.get("inputs") is not None and raw.get("op") != "delete-replaced":
            change.new = _strip(new_state["inputs"])
        if old_state.get("inputs") is not None and not change.old:
            change.old = _strip(old_state["inputs"])
        change.changed = list(dict.fromkeys([*change.changed, *(str(r) for r in reasons)]))
    changes = [by_urn[u] for u in order]
    for c in changes:
        if c.op in ("update", "replace") and not c.changed:
            c.changed = _diff_keys(c.old, c.new)
        c.changed = [k for k in c.changed if k != _PROVIDER_KEY]
    name = stack or next((stack_of(u) for u in order if stack_of(u)), "")
    errors = [str(d.get("message", "")).strip() for d in doc.get("diagnostics") or []
              if d.get("severity") == "error"]
    return Preview(name, changes, errors)


def load_preview_json(path: str | Path, stack: str | None = None) -> Preview:
    return from_preview_json(json.loads(Path(path).read_text()), stack)


def engine_preview(project_dir: str | Path, stack: str, echo: Callable[[str], None] | None = None) -> Preview:
    """`pulumi preview --json` of `stack` on the real engine (cortex_provider.engine: Check and Diff only;
    nothing is created, no state is written). What the engine prints on stderr goes to `echo`; a failed
    preview is a Preview with its errors (the digest's error diagnostics, else the engine's message)."""
    from pulumi import automation as auto

    from cortex_provider.engine import open_stack

    out: list[str] = []
    err: list[str] = []

    def on_error(line: str) -> None:
        err.append(line)
        if echo is not None:
            echo(line)

    failure = ""
    try:
        open_stack(Path(project_dir), stack).preview(json=True, on_output=out.append, on_error=on_error,
                                                     color="never")
    except auto.errors.CommandError as exc:
        failure = "\n".join(err).strip() or str(exc).strip()
    try:
        doc = json.loads("\n".join(out))
    except ValueError:
        doc = {}
    preview = from_preview_json(doc if isinstance(doc, dict) else {}, stack)
    if failure and not preview.errors:
        preview.errors.append(failure)
    return preview
