"""The runner's state file: Pulumi's checkpoint, reduced to what the runner needs.

One JSON file per stack, rewritten atomically (temp file + ``os.replace``) after every completed
step, so an interrupted run resumes where it stopped. Before a Create/Update/Delete is sent, the
operation is recorded in ``pending_operations`` (as Pulumi does); the next run warns about it.

Secrets: a property whose value is secret is stored as Pulumi stores it in a checkpoint,
``{SIG: SECRET_SIG, "ciphertext": "v1:..."}``, encrypted with the stack's passphrase crypter
(``PULUMI_CONFIG_PASSPHRASE``); with no passphrase, writing a secret is an error, never plaintext.
``__provider`` (the pickled provider, secret only by SDK default) is stored as plain text: by the
project's rules it carries no credentials.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cortex_provider.offline import wire
from cortex_provider.offline.crypto import Crypter, SecretsError, from_salt_state, new_crypter

VERSION = 1


@dataclass
class ResourceState:
    urn: str
    type: str
    custom: bool
    id: str = ""
    parent: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    timeouts: dict[str, str] = field(default_factory=dict)  # customTimeouts, Go duration strings
    delete: bool = False  # an old copy left by create-before-delete replacement, to be deleted

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def key(self) -> str:
        return f"{self.urn}#replaced" if self.delete else self.urn


@dataclass
class PendingOperation:
    urn: str
    type: str
    kind: str  # creating | updating | deleting
    id: str = ""


class StackState:
    def __init__(self, path: Path, project: str, stack: str, crypter: Crypter | None) -> None:
        self.path = path
        self.project = project
        self.stack = stack
        self.resources: dict[str, ResourceState] = {}
        self.pending: list[PendingOperation] = []
        self._crypter = crypter
        self._salt_state: str | None = None

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(
        cls, path: Path, project: str, stack: str, crypter: Crypter | None, passphrase: str | None
    ) -> StackState:
        state = cls(path, project, stack, crypter)
        if not path.is_file():
            return state
        data = json.loads(path.read_text())
        if data.get("version") != VERSION:
            raise SecretsError(f"{path}: unsupported state version {data.get('version')!r}")
        state._salt_state = data.get("encryptionsalt")
        if state._crypter is None and state._salt_state and passphrase is not None:
            state._crypter = from_salt_state(state._salt_state, passphrase)
        for raw in data.get("resources", []):
            res = ResourceState(**raw)
            res.inputs = state._decode(res.inputs)
            res.outputs = state._decode(res.outputs)
            state.resources[res.key] = res
        state.pending = [PendingOperation(**p) for p in data.get("pending_operations", [])]
        return state

    def _decode(self, value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(wire.SIG) == wire.SECRET_SIG and "ciphertext" in value:
                if self._crypter is None:
                    raise SecretsError(f"{self.path} holds secrets: set PULUMI_CONFIG_PASSPHRASE")
                return wire.secret(json.loads(self._crypter.decrypt(value["ciphertext"])))
            return {k: self._decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._decode(v) for v in value]
        return value

    def _encode(self, value: Any) -> Any:
        if wire.is_secret(value):
            if self._crypter is None:
                self._crypter = new_crypter(_passphrase())
            if self._salt_state is None:
                self._salt_state = self._crypter.salt_state()
            sealed = self._crypter.encrypt(json.dumps(value["value"]))
            return {wire.SIG: wire.SECRET_SIG, "ciphertext": sealed}
        if isinstance(value, dict):
            return {k: self._encode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._encode(v) for v in value]
        return value

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> None:
        rows = []
        for res in self.resources.values():
            row = asdict(res)
            row["inputs"] = self._encode(_plain_provider(res.inputs))
            row["outputs"] = self._encode(_plain_provider(res.outputs))
            rows.append(row)
        data: dict[str, Any] = {
            "version": VERSION,
            "project": self.project,
            "stack": self.stack,
            "resources": rows,
            "pending_operations": [asdict(p) for p in self.pending],
        }
        if self._salt_state is not None:
            data["encryptionsalt"] = self._salt_state
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    # -- edits, each followed by a save by the caller ----------------------------------------
    def put(self, res: ResourceState) -> None:
        self.resources[res.key] = res

    def drop(self, res: ResourceState) -> None:
        self.resources.pop(res.key, None)

    def begin(self, res: ResourceState, kind: str) -> PendingOperation:
        op = PendingOperation(res.urn, res.type, kind, res.id)
        self.pending.append(op)
        self.save()
        return op

    def end(self, op: PendingOperation) -> None:
        if op in self.pending:
            self.pending.remove(op)


def _passphrase() -> str | None:
    return os.environ.get("PULUMI_CONFIG_PASSPHRASE")


def _plain_provider(props: dict[str, Any]) -> dict[str, Any]:
    if wire.PROVIDER_KEY not in props:
        return props
    out = dict(props)
    out[wire.PROVIDER_KEY] = wire.plain(out[wire.PROVIDER_KEY])
    return out

