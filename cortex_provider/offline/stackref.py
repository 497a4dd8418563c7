"""``pulumi:pulumi:StackReference`` reads, answered as the engine's builtin provider answers them.

With a file backend the engine reads the referenced stack's latest checkpoint and returns
``{name, outputs, secretOutputNames}``: the root Stack resource's outputs, secret values still
wrapped (so the SDK keeps them secret), and the names of the outputs that hold a secret. The runner's
backend is its state directory: ``org/project/stack`` (or a bare ``stack``) is the file
``<state dir>/<stack>.json``, the last segment naming the stack, as in ``.pulumi-local/<stack>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from cortex_provider.offline import wire
from cortex_provider.offline.crypto import SecretsError, passphrase_from_env
from cortex_provider.offline.state import StackState

STACK_REFERENCE = "pulumi:pulumi:StackReference"
ROOT_STACK = "pulumi:pulumi:Stack"


class StackReferenceError(Exception):
    """The referenced stack has no state here, or its state cannot be read; the text says which."""


def read_reference(state_dir: Path, type_: str, id_: str) -> wire.Props:
    """The answer to a ReadResource of `type_`; only StackReferences can be read without the engine."""
    if type_ != STACK_REFERENCE:
        raise StackReferenceError("reading an existing resource needs `pulumi up` and its provider plugin")
    return reference_properties(id_, read_stack_outputs(state_dir, id_, passphrase_from_env()))


def state_file(state_dir: Path, name: str) -> Path:
    """The state file of the stack `name` (``org/project/stack`` or ``stack``)."""
    stack = name.rstrip("/").rsplit("/", 1)[-1]
    if not stack:
        raise StackReferenceError(f"invalid stack reference {name!r}: expected org/project/stack or stack")
    return state_dir / f"{stack}.json"


def read_stack_outputs(state_dir: Path, name: str, passphrase: str | None) -> wire.Props:
    """The referenced stack's outputs in wire form (secrets wrapped), from its state file."""
    path = state_file(state_dir, name)
    if not path.is_file():
        raise StackReferenceError(f"unknown stack {name!r}: no state file {path}; run `up` for that stack first")
    parts = name.split("/")
    try:
        state = StackState.load(path, "", parts[-1], None, passphrase)
    except SecretsError as exc:
        raise StackReferenceError(f"cannot read the outputs of stack {name!r}: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise StackReferenceError(f"cannot read the state of stack {name!r} ({path}): {exc}") from exc
    project = _project(path)
    if len(parts) == 3 and project and parts[1] != project:
        raise StackReferenceError(f"stack reference {name!r}: {path} belongs to project {project!r}")
    root = next((r for r in state.resources.values() if r.type == ROOT_STACK), None)
    return dict(root.outputs) if root is not None else {}


def reference_properties(name: str, outputs: wire.Props) -> wire.Props:
    """What the builtin provider's Read returns for a StackReference."""
    secret = sorted(k for k, v in outputs.items() if wire.contains_secret(v))
    return {"name": name, "outputs": outputs, "secretOutputNames": secret}


def _project(path: Path) -> str:
    try:
        return str(json.loads(path.read_text()).get("project") or "")
    except (OSError, ValueError):
        return ""
