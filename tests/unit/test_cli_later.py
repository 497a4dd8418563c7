"""Command (1) on a cold machine: `bootstrap.sh --cli-later` returns while the Pulumi CLI still builds
(so scripts/up-local.sh starts the emulator meanwhile), and `--wait-cli` waits for that build and links
it, or fails with the build's own message. A stand-in scripts/pulumi-cli.sh plays the slow build."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("pulumi", "pulumi-resource-pulumi-python", "pulumi-language-python-exec")
BUILD_S = 3.0


def _tree(tmp_path: Path, build: str) -> Path:
    """A checkout whose Python packages are in (stamps for --run --local) and whose CLI `build` makes."""
    tree = tmp_path / "checkout"
    (tree / "scripts").mkdir(parents=True)
    for name in ("pyproject.toml", "scripts/bootstrap.sh"):
        shutil.copy(ROOT / name, tree / name)
    cli = tree / "scripts" / "pulumi-cli.sh"
    cli.write_text(f"#!/usr/bin/env bash\nset -e\n{build}\n")
    cli.chmod(0o755)
    digest = hashlib.sha1((tree / "pyproject.toml").read_bytes() + (tree / "scripts/bootstrap.sh").read_bytes())
    stamps = tree / ".venv" / f".cortex-bootstrap-{digest.hexdigest()[:12]}"
    stamps.mkdir(parents=True)
    for part in ("run", "local"):
        (stamps / part).touch()
    (tree / ".venv" / "bin").mkdir()
    return tree


def _bootstrap(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run([str(tree / "scripts" / "bootstrap.sh"), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_cli_later_returns_while_the_cli_builds_and_wait_cli_links_it(tmp_path: Path) -> None:
    bin_dir = tmp_path / "cli-bin"
    build = (f"sleep {BUILD_S}; mkdir -p {bin_dir}; "
             + "; ".join(f"printf '#!/bin/sh\\n' > {bin_dir}/{t}; chmod +x {bin_dir}/{t}" for t in TOOLS)
             + f"; echo {bin_dir}")
    tree = _tree(tmp_path, build)
    start = time.monotonic()
    later = _bootstrap(tree, "--run", "--local", "--cli-later")
    returned = time.monotonic() - start
    assert later.returncode == 0, later.stderr
    assert returned < BUILD_S - 1, f"--cli-later waited for the CLI build ({returned:.1f} s)"
    assert not (tree / ".venv" / "bin" / "pulumi").exists()
    waited = _bootstrap(tree, "--run", "--wait-cli")
    assert waited.returncode == 0, waited.stderr
    assert time.monotonic() - start >= BUILD_S
    for tool in TOOLS:
        assert (tree / ".venv" / "bin" / tool).resolve() == bin_dir / tool
    again = _bootstrap(tree, "--run", "--local", "--cli-later")  # warm: nothing to build, nothing to wait
    assert again.returncode == 0 and not (tree / ".venv/.cortex-bootstrap-logs/tools.pid").exists()


def test_wait_cli_fails_with_the_builds_message(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "echo 'pulumi-cli: neither a Pulumi CLI nor Go is on PATH' >&2; exit 1")
    assert _bootstrap(tree, "--run", "--local", "--cli-later").returncode == 0
    waited = _bootstrap(tree, "--run", "--wait-cli")
    assert waited.returncode == 1
    assert "neither a Pulumi CLI nor Go is on PATH" in waited.stderr
    assert "the Pulumi CLI set-up failed" in waited.stderr


@pytest.fixture(autouse=True)
def _bash() -> None:
    if shutil.which("bash") is None or shutil.which("sha1sum") is None:
        pytest.skip("needs bash and coreutils")
