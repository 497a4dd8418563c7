"""THE SECRET-LEAK TEST on the real engine: the password set with `pulumi config set --secret
cortex:password` (and in no environment variable) connects the `local` stack, and appears nowhere
else: not in `pulumi stack export --show-secrets=false`, not in any state file on disk (checkpoints,
backups, history), not in the stack file, not in the engine's own logs (`-v=9 --logtostderr`, once)
and not in anything the CLI or the dynamic provider printed. (The provider-level version, with the
pickled provider and the emulator's logs: tests/provider/test_secret_leak.py.)"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.engine import EngineProject
from tests.e2e.support import seed_demo


def test_config_secret_password_appears_nowhere(emulator: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    password = f"Pw-{uuid.uuid4().hex}-do-not-leak"
    for var in ("SNOWFLAKE_PASSWORD", "CORTEX_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    account = emulator.new_account()
    seed_demo(emulator.port, password=password, account=account)  # the first login sets the admin password
    project = EngineProject(tmp_path / "project", emulator.port, password=password)
    del project.env["SNOWFLAKE_PASSWORD"]
    data = project.load("local")
    data["config"]["cortex:account"] = account
    project.save(data, "local")
    stack = project.stack("local")
    project.pulumi("config", "set", "--secret", "cortex:password", password, "--stack", "local")
    assert password not in project.stack_file("local").read_text()

    out: list[str] = []
    err: list[str] = []
    stack.up(log_verbosity=9, log_to_std_err=True, on_output=out.append, on_error=err.append, color="never")
    assert "ML_ENGINEER" in str(emulator.connect(account=account, password=password).cursor()
                                .execute("SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER").fetchall())
    engine_log = "\n".join(err)
    assert '"v":9' in engine_log, engine_log[-2000:]  # the engine's verbose log lines really came

    export = project.pulumi("stack", "export", "--stack", "local", "--show-secrets=false").stdout
    assert '"secret"' in export or "ciphertext" in export  # something secret is there, encrypted
    state = {p: p.read_bytes() for p in project.state_files()}
    assert any(p.suffix == ".json" for p in state)
    refreshed = project.run("refresh", "local")
    assert refreshed.ok, refreshed.stdout[-2000:]
    state |= {p: p.read_bytes() for p in project.state_files()}

    haystacks = {"stack export": export, "engine log (-v=9)": engine_log, "up output": "\n".join(out),
                 "refresh output": refreshed.stdout + refreshed.stderr,
                 "stack file": project.stack_file("local").read_text()}
    haystacks |= {f"state file {p.relative_to(project.dir)}": raw.decode(errors="replace") for p, raw in state.items()}
    assert sum(len(h) for h in haystacks.values()) > 10_000  # we really searched something
    leaks = [where for where, text in haystacks.items() if password in text]
    assert leaks == []
