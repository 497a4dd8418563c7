"""What a user sees when something is wrong, on the real engine: a stack-spec typo is shown as
its message (file, key, fix) and not inside a Python traceback; a connection failure names the URL,
account and user it tried."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import free_port
from tests.e2e.engine import ROOT, EngineProject


def test_stack_spec_typo_is_its_message_not_a_traceback(tmp_path: Path) -> None:
    project = EngineProject(tmp_path / "project", free_port())  # nothing listens: the program fails first
    spec = project.spec()
    spec["models"][0]["base_modle"] = spec["models"][0].pop("base_model")
    project.set_spec(spec)
    result = project.run("preview")
    assert not result.ok
    out = result.stdout + result.stderr
    assert "stacks/Pulumi.local.yaml" in out and "cortex:spec.models[0]" in out
    assert "Traceback" not in out


def test_connection_error_names_where_it_tried(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    project = EngineProject(tmp_path / "project", port)
    result = project.run("up")
    assert not result.ok
    assert f"http://127.0.0.1:{port}" in result.stdout and "account 'LOCAL'" in result.stdout
    assert "user 'ADMIN'" in result.stdout


def test_wrong_passphrase_is_the_engines_message_not_a_traceback(tmp_path: Path) -> None:
    project = EngineProject(tmp_path / "project", free_port())
    project.pulumi("stack", "init", "local")
    project.pulumi("config", "set", "--secret", "--stack", "local", "cortex:password", "s3cret")
    env = {**os.environ, **project.env, "PULUMI_CONFIG_PASSPHRASE": "not-the-passphrase"}
    out = subprocess.run([sys.executable, "-m", "cortex_provider.engine", "preview", "--stack", "local",
                          "--cwd", str(project.dir)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode in (1, 2), out.stderr[-2000:]  # 2: the CLI failed opening the stack, 1: the verb
    assert "incorrect passphrase" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    last = out.stderr.strip().splitlines()[-1]  # it ends in one line naming the fix
    assert "Fix: unset PULUMI_CONFIG_PASSPHRASE" in last and "encryptionsalt" in last, out.stderr[-2000:]


def test_own_passphrase_with_the_demo_stack_files_ends_in_the_fix(tmp_path: Path) -> None:
    """The demo stack files as committed (their encryptionsalt is the demo passphrase's) with a passphrase
    of the user's own, on a fresh clone: one line that names the file and the fix, exit 2; following it
    (deleting the salt line) lets that passphrase open the stack."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")} | {"PULUMI_CONFIG_PASSPHRASE": "mine"}
    out = subprocess.run([sys.executable, "-m", "cortex_provider.engine", "preview", "--stack", "local"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and out.stdout == "", out.stdout[-2000:] + out.stderr[-2000:]
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert "stacks/Pulumi.local.yaml" in out.stderr and "Fix: unset PULUMI_CONFIG_PASSPHRASE" in out.stderr

    stack_file = tmp_path / "stacks" / "Pulumi.local.yaml"
    stack_file.write_text("".join(ln for ln in stack_file.read_text().splitlines(True)
                                  if not ln.startswith("encryptionsalt:")))
    for args in (["stack", "init", "local"],
                 ["config", "set", "--secret", "--stack", "local", "cortex:password", "pw"]):
        done = subprocess.run([sys.executable, "-m", "cortex_provider.engine", "pulumi", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert "encryptionsalt:" in stack_file.read_text()  # a new salt, for the user's passphrase


def test_help_names_the_pulumi_passthrough() -> None:
    out = subprocess.run([sys.executable, "-m", "cortex_provider.engine", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert "cortex_provider.engine pulumi ARGS" in out.stdout and "pulumi stack export" in out.stdout
