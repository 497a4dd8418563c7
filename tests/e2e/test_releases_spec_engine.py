"""`releases:` in the repo's own program and stack file, on the real engine: the local stack with its model
declared as a release instead comes up (V1 behind CORTEX_DEMO.MODELS.SUPPORT, answering COMPLETE through
the endpoint), the `release:<NAME>` output says what serves, and a second up is a no-op."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import seed_demo


def test_local_stack_with_a_release_comes_up_and_stays_unchanged(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port)
        project = EngineProject(tmp_path / "project", emu.port)
        spec = project.spec()
        spec["models"] = []
        spec["releases"] = [{"name": "SUPPORT", "base_model": "llama3.1-8b", "training_view": "SUPPORT_TRAIN",
                             "validation_view": "SUPPORT_VALIDATION", "options": {"max_epochs": 1},
                             "usage_roles": ["ANALYST"]}]
        project.set_spec(spec)
        up = project.run("up")
        assert up.ok, up.stdout[-3000:]
        assert up.ops()["release-support"] == "create"
        out = up.outputs["release:SUPPORT"]
        assert (out["endpoint"], out["serving_version"], out["latest"]) == (
            "CORTEX_DEMO.MODELS.SUPPORT", "V1", "V1")
        assert out["serving_model"] == "CORTEX_DEMO.MODELS.SUPPORT_V1"
        cur = emu.connect(account="LOCAL").cursor()
        answer = cur.execute("SELECT CORTEX_DEMO.MODELS.SUPPORT('Extract the condition from: cough')").fetchone()[0]
        assert "CORTEX_DEMO.MODELS.SUPPORT_V1" in answer
        grants = {(r[1], r[2], r[3]) for r in cur.execute("SHOW GRANTS TO ROLE ANALYST").fetchall()}
        assert ("USAGE", "FUNCTION", "CORTEX_DEMO.MODELS.SUPPORT") in grants
        again = project.run("up")
        assert again.ok and set(again.ops().values()) == {"same"}, again.stdout[-2000:]
    finally:
        emu.stop()
