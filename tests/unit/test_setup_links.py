"""Setup from an activated venv: bootstrap's link step, run with `.venv/bin` first on PATH (as after
`. .venv/bin/activate`), leaves `.venv/bin/pulumi` a link to a working CLI, never a link to itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("pulumi", "pulumi-resource-pulumi-python", "pulumi-language-python-exec")


def link_step() -> str:
    """bootstrap.sh's link_pulumi function, as written there."""
    text = (ROOT / "scripts" / "bootstrap.sh").read_text()
    match = re.search(r"^link_pulumi\(\) \{.*?^\}$", text, re.MULTILINE | re.DOTALL)
    assert match, "scripts/bootstrap.sh defines link_pulumi"
    return match.group(0)


def test_link_step_from_an_activated_venv_keeps_a_working_cli(tmp_path: Path) -> None:
    real = shutil.which("pulumi", path=str(ROOT / ".venv" / "bin")) or shutil.which("pulumi")
    if real is None:
        pytest.skip("no Pulumi CLI set up (scripts/bootstrap.sh)")
    real_dir = Path(real).resolve().parent
    repo = tmp_path / "clone"
    (repo / "scripts").mkdir(parents=True)
    for script in ("pulumi-cli.sh", "pulumi-yaml.sh"):
        shutil.copy(ROOT / "scripts" / script, repo / "scripts" / script)
    venv_bin = repo / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for tool in TOOLS:  # what the first bootstrap linked
        if (real_dir / tool).exists():
            (venv_bin / tool).symlink_to(real_dir / tool)
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(repo / ".venv")}
    script = f"set -euo pipefail\ncd {repo}\n{link_step()}\nlink_pulumi\n"
    run = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    for tool in TOOLS:
        link = venv_bin / tool
        if not link.is_symlink():
            continue
        assert os.readlink(link) != str(link), f"{link} links to itself"
        assert link.resolve().is_file(), f"{link} does not resolve to a file"
    version = subprocess.run([str(venv_bin / "pulumi"), "version"], capture_output=True, text=True, timeout=60,
                             env={**env, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    assert version.stdout.startswith("v3."), version.stderr
