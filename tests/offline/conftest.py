"""A toy Pulumi project in tmp_path: Pulumi.yaml, stacks/Pulumi.test.yaml, toyprov.py, __main__.py."""

from __future__ import annotations

import base64
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.offline import RunResult, run_destroy, run_preview, run_refresh, run_up
from cortex_provider.offline.crypto import Crypter

PASSPHRASE = "toy-passphrase"
SALT = base64.b64decode("c2FsdHNhbHQ=")  # fixed, so the 1M-round key derivation runs once per session
TOKEN = "tok-3f9a-very-secret"

PROGRAM_HEADER = """\
import pulumi
from toyprov import Group, Thing

cfg = pulumi.Config()
"""


class ToyProject:
    def __init__(self, root: Path) -> None:
        self.dir = root / "proj"
        self.dir.mkdir()
        self.world_path = root / "world.json"
        shutil.copy(Path(__file__).with_name("toyprov.py"), self.dir / "toyprov.py")
        (self.dir / "Pulumi.yaml").write_text("name: toy\nruntime: python\nstackConfigDir: stacks\n")
        crypter = Crypter(PASSPHRASE, SALT)
        (self.dir / "stacks").mkdir()
        (self.dir / "stacks" / "Pulumi.test.yaml").write_text(
            f"encryptionsalt: {crypter.salt_state()}\n"
            "config:\n"
            f"  toy:world: {self.world_path}\n"
            "  toy:region: eu-1\n"
            f"  toy:token:\n    secure: {crypter.encrypt(TOKEN)}\n"
        )
        self.lines: list[str] = []

    def program(self, body: str) -> None:
        (self.dir / "__main__.py").write_text(PROGRAM_HEADER + textwrap.dedent(body))

    def world(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.world_path.read_text())
        return data

    def log(self, op: str | None = None) -> list[list[str]]:
        entries = self.world()["log"]
        return [e for e in entries if op is None or e[0] == op]

    def mutations(self) -> list[list[str]]:
        return [e for e in self.world()["log"] if e[0] in ("create", "update", "delete")]

    @property
    def state_path(self) -> Path:
        return self.dir / ".pulumi-local" / "test.json"

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text())
        return data

    def state_names(self) -> list[str]:
        return [r["urn"].rsplit("::", 1)[-1] for r in self.state()["resources"] if r["custom"]]

    def up(self, **kw: Any) -> RunResult:
        return run_up(self.dir, "test", printer=self.lines.append, **kw)

    def preview(self, **kw: Any) -> RunResult:
        return run_preview(self.dir, "test", printer=self.lines.append, **kw)

    def refresh(self, **kw: Any) -> RunResult:
        return run_refresh(self.dir, "test", printer=self.lines.append, **kw)

    def destroy(self, **kw: Any) -> RunResult:
        return run_destroy(self.dir, "test", printer=self.lines.append, **kw)


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ToyProject:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    return ToyProject(tmp_path)
