"""One Ctrl-C stops `up`, on the real engine: SIGINT to the command's process group (what a terminal
sends) while `up` waits on a fine-tuning job ends the command within seconds with a message and no
traceback, leaves no provider process behind, and the next `up` adopts the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cortex_provider.engine.cli import engine_vars, find_pulumi
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.faults import converge
from tests.e2e.support import seed_demo


def test_one_ctrl_c_stops_up_waiting_on_a_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORTEX_LOCAL_STUB_STEP_SECONDS", "5")  # the job trains for ~20 s: it outlasts the Ctrl-C
    emu = Emulator(tmp_path / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port, rows=20)
        project = EngineProject(tmp_path / "project", emu.port)
        env = {**os.environ, **engine_vars(project.dir, find_pulumi(), project.env)}
        out = tmp_path / "up.txt"
        with out.open("w") as sink:
            up = subprocess.Popen(
                [sys.executable, "-m", "cortex_provider.engine", "up", "--stack", "local", "--yes",
                 "-C", str(project.dir)],
                env=env, start_new_session=True, stdout=sink, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 120
            while not any("FINETUNE('DESCRIBE'" in str(e["statement"]).upper() for e in emu.query_log("LOCAL")):
                assert time.monotonic() < deadline and up.poll() is None, out.read_text()[-3000:]
                time.sleep(0.2)
            os.killpg(up.pid, signal.SIGINT)  # one Ctrl-C
            interrupted = time.monotonic()
            try:
                up.wait(30)
            finally:
                if up.poll() is None:
                    os.killpg(up.pid, signal.SIGKILL)
        took = time.monotonic() - interrupted
        text = out.read_text()
        assert up.returncode != 0 and took < 30, text[-3000:]
        assert "keeps running in Snowflake" in text and "Traceback" not in text, text[-3000:]
        left = subprocess.run(["pgrep", "-s", str(up.pid)], capture_output=True, text=True).stdout.split()
        assert not left, f"processes left behind: {left}"
        converged, _ = converge(project, "local")  # `pulumi cancel` if the stack stayed locked, then up
        assert converged
        creates = [e for e in emu.query_log("LOCAL") if "FINETUNE('CREATE'" in str(e["statement"]).upper()]
        assert len(creates) == 1  # the job was adopted, not paid twice
    finally:
        emu.stop()
