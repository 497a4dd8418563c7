"""What happens to a stack from outside its own verbs: a SIGKILL of the CLI or the provider mid-up (then
recovery as docs/operations.md documents it), and `python -m cortex_provider.export` writing a stack to adopt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.e2e.faults import Killer, after, restore_checkpoint
from tests.model_check import specs

ROOT = Path(__file__).resolve().parents[2]


def killed_up(project: Any, emulator: Any, account: str, stack: str, target: str,
              needle: str) -> tuple[list[Any], str | None]:
    """`up` with `target` ("pulumi" or "provider") SIGKILLed once `needle` reaches the emulator, then
    `pulumi cancel` (a killed CLI's lock) or the backup put back (a torn checkpoint) and `up`
    until it converges (4 tries). Returns every up's result and the statement the kill came after."""
    killer = Killer(emulator.data_dir / "query_log.jsonl", account.upper(), after(needle), target)
    killer.start()
    ups = [project.run("up", stack)]
    killer.stop()
    killer.join(5)
    killer.reap()
    for _ in range(4):
        if ups[-1].ok:
            break
        text = ups[-1].stdout + ups[-1].stderr
        if "currently locked" in text:
            project.pulumi("cancel", "--yes", "--stack", stack, check=False)
        elif "failed to load checkpoint" in text:
            restore_checkpoint(Path(project.state_dir), stack)
        ups.append(project.run("up", stack))
    return ups, killer.fired_after


def export(emulator: Any, account: str, workdir: Path, name: str) -> tuple[dict[str, Any] | None, str]:
    """(the exported `cortex:spec`, "") or (None, what the export printed when it failed)."""
    home = workdir / "snowflake-home"
    home.mkdir(exist_ok=True)
    (home / "connections.toml").write_text(
        f'[mc]\naccount = "{account}"\nuser = "ADMIN"\npassword = "admin"\n'
        f'host = "{emulator.host}"\nport = {emulator.port}\nprotocol = "http"\n')
    out = workdir / f"export-{name}.yaml"
    env = {**os.environ, "SNOWFLAKE_HOME": str(home), "SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true"}
    done = subprocess.run([sys.executable, "-m", "cortex_provider.export", "--connection", "mc", "--database",
                           specs.DATABASE, "--schema", specs.SCHEMA, "--out", str(out)],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return None, done.stderr.strip()[-300:] or f"exit {done.returncode}"
    spec: dict[str, Any] = yaml.safe_load(out.read_text())["config"]["cortex:spec"]
    return spec, ""
