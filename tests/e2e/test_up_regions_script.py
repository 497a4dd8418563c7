"""scripts/up-regions.sh as docs/regions.md documents it: CORTEX_LOCAL_PORT moves its emulator, and a stack
that fails does not stop the others; the script names the failed stacks and exits non-zero. Here the
regions' previews fail (their StackReference finds no `primary` state yet) while the primary's runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_up_regions_honours_the_port_and_goes_on_past_a_failed_stack(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "regions-data"
    env = {**os.environ, "CORTEX_LOCAL_PORT": str(port), "CORTEX_LOCAL_DATA": str(data),
           "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}"}
    for name in ("CORTEX_REGIONS_PORT", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"):
        env.pop(name, None)  # the stack files' secrets use the scripts' default passphrase
    (tmp_path / "state").mkdir()
    try:
        run = subprocess.run(["scripts/up-regions.sh", "preview"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=600)
    finally:
        pid_file = data / "server.pid"
        if pid_file.exists():
            with contextlib.suppress(OSError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
    out = run.stdout + run.stderr
    assert f"127.0.0.1:{port}" in out, out[-3000:]  # the emulator it started listens where it was told
    for stack in ("primary", "consumer", "eu", "apac"):
        assert f"== preview {stack}" in out, out[-3000:]  # every stack ran
    assert run.returncode == 1
    failed = out.strip().splitlines()[-1]
    assert failed.startswith("== preview failed for:") and "primary" not in failed, failed
    assert {"consumer", "eu", "apac"} <= set(failed.split(":", 1)[1].split("(")[0].split())
