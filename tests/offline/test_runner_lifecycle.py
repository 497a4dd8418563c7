"""Refresh, destroy, interruption/resume, secrets and the CLI of the offline runner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cortex_provider.offline import BANNER
from cortex_provider.offline.__main__ import main
from tests.offline.conftest import PASSPHRASE, TOKEN, ToyProject

REPO = Path(__file__).resolve().parents[2]


def test_refresh_reports_drift_and_out_of_band_deletes(toy: ToyProject) -> None:
    toy.program('a = Thing("a", {"size": 1})\nb = Thing("b", {"size": 1})\n')
    toy.up()
    ids = {e[1].rsplit("-", 1)[0]: e[1] for e in toy.log("create")}
    world = toy.world()
    world["objects"][ids["a"]]["size"] = 99  # changed behind the runner's back
    del world["objects"][ids["b"]]
    toy.world_path.write_text(json.dumps(world))
    res = toy.refresh()
    assert res.ok, res.errors
    assert res.ops() == {"a": "update", "b": "delete"}
    assert next(s for s in res.steps if s.name == "a").changed == ["size"]
    assert "Create" not in res.methods() and "Delete" not in res.methods()
    assert toy.state_names() == ["a"]
    # The program still says size 1: the next up puts it back and recreates b.
    res = toy.up()
    assert res.ops()["a"] == "update" and res.ops()["b"] == "create"
    assert toy.world()["objects"][ids["a"]]["size"] == 1


def test_destroy_deletes_dependents_first_and_retains_on_request(toy: ToyProject) -> None:
    toy.program("""
a = Thing("a", {"size": 1})
b = Thing("b", {"size": 1, "upstream": a.arn})
kept = Thing("kept", {"size": 1}, pulumi.ResourceOptions(retain_on_delete=True))
""")
    toy.up()
    ids = {e[1].rsplit("-", 1)[0]: e[1] for e in toy.log("create")}
    res = toy.destroy()
    assert res.ok, res.errors
    assert set(res.ops().values()) == {"delete"}
    assert [e[1] for e in toy.log("delete")] == [ids["b"], ids["a"]]
    assert ids["kept"] in toy.world()["objects"]  # retainOnDelete: Delete never called
    assert toy.state()["resources"] == []


def test_destroy_refuses_protected_resources(toy: ToyProject) -> None:
    toy.program('p = Thing("p", {"size": 1}, pulumi.ResourceOptions(protect=True))\nq = Thing("q", {})\n')
    toy.up()
    res = toy.destroy()
    assert not res.ok and "protected resources p" in res.errors[0]
    assert toy.log("delete") == []


def test_secret_config_reaches_configure_but_no_secret_reaches_the_state_file(toy: ToyProject) -> None:
    toy.program("""
s = Thing("s", {"size": 1, "note": pulumi.Output.secret("hush-hush-value")})
pulumi.export("note", s.note)
pulumi.export("token_seen", cfg.require_secret("token"))
""")
    res = toy.up()
    assert res.ok, res.errors
    assert toy.world()["configured"] == {"token": TOKEN, "region": "eu-1", "env_region": "eu-1"}
    text = toy.state_path.read_text()
    assert TOKEN not in text and "hush-hush-value" not in text
    assert "ciphertext" in text
    assert not any(TOKEN in line or "hush-hush-value" in line for line in toy.lines)
    assert '    note: "[secret]"' in toy.lines
    # Encrypted state decrypts back: nothing changed, nothing to do.
    res = toy.up()
    assert res.ok and set(res.ops().values()) == {"same"}


def test_slow_create_streams_provider_progress(toy: ToyProject) -> None:
    toy.program('slow = Thing("slow", {"sleep": 2})\n')
    res = toy.up()
    assert res.ok, res.errors
    assert "    [slow] progress 1" in res.lines and "    [slow] progress 2" in res.lines
    assert res.lines.index("    [slow] progress 2") < next(
        i for i, line in enumerate(res.lines) if "created" in line and "slow" in line)


@pytest.mark.fault
def test_interrupted_up_resumes_without_repeating_completed_steps(toy: ToyProject) -> None:
    toy.program('a = Thing("a", {"size": 1})\nb = Thing("b", {"sleep": 60, "upstream": a.arn})\n')
    env = {**os.environ, "PYTHONPATH": str(REPO), "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
    out = toy.dir.parent / "cli.out"
    with out.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "cortex_provider.offline", "up", "--stack", "test",
             "--cwd", str(toy.dir), "--yes"],
            env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "[b] progress 1" in out.read_text():
                break
            time.sleep(0.2)
        else:
            pytest.fail("b's create never started:\n" + out.read_text())
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    state = toy.state()
    assert toy.state_names() == ["a"]
    assert [(p["kind"], p["urn"].rsplit("::", 1)[-1]) for p in state["pending_operations"]] == [
        ("creating", "b")]
    assert out.read_text().splitlines()[0] == BANNER

    toy.program('a = Thing("a", {"size": 1})\nb = Thing("b", {"upstream": a.arn})\n')
    res = toy.up()
    assert res.ok, res.errors
    assert res.ops() == {"toy-test": "same", "a": "same", "b": "create"}
    assert len(toy.log("create")) == 2  # a once, b once: nothing repeated
    assert any("pending operation" in w and "creating" in w for w in res.warnings)
    assert toy.state()["pending_operations"] == []


def test_cli_preview_and_up_need_yes_when_not_interactive(
    toy: ToyProject, capsys: pytest.CaptureFixture[str]
) -> None:
    toy.program('a = Thing("a", {"size": 1})\n')
    assert main(["preview", "--stack", "test", "--cwd", str(toy.dir)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == BANNER and "Resources: 2 to create" in printed
    assert main(["up", "--stack", "test", "--cwd", str(toy.dir)]) == 1
    assert "--yes must be passed" in capsys.readouterr().err
    assert main(["up", "--stack", "test", "--cwd", str(toy.dir), "--yes"]) == 0
    assert toy.state_names() == ["a"]
    assert main(["up", "--stack", "nosuch", "--cwd", str(toy.dir / "missing"), "--yes"]) == 1
