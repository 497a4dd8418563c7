"""`refresh` prints, and keeps, the stack outputs of what it just read back (the engine's refresh alone
keeps the outputs the last `up` computed: a model dropped by hand still showed `status: SUCCESS`)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import seed_demo

MODEL = "model:SUPPORT_EXTRACTOR"


def test_refresh_outputs_are_what_it_read_back(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port, rows=20)
        project = EngineProject(tmp_path / "project", emu.port)
        up = project.run("up")
        assert up.ok, up.stdout[-3000:]
        assert up.outputs[MODEL]["status"] == "SUCCESS"
        with emu.connect(account="LOCAL") as conn:
            conn.cursor().execute("DROP MODEL CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR")
        refreshed = project.run("refresh")
        assert refreshed.ok, refreshed.stdout[-3000:]
        assert refreshed.outputs[MODEL]["status"] == "MISSING"
        printed = refreshed.stdout.split("Outputs:", 1)[-1]
        assert '"SUCCESS" => "MISSING"' in printed, printed  # what it prints is what it stored
        stored = project.stack().outputs()[MODEL].value
        assert stored["status"] == "MISSING"
    finally:
        emu.stop()
