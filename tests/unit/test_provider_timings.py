"""CORTEX_PROVIDER_TIMINGS (bench/scale_floor.py's view into the provider process): each provider call is
counted once (a kind's check calling the shared check is one call), and the totals reach the file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
from cortex_provider.pulumi import timings
from cortex_provider.pulumi.grants import CortexUserGrantProvider
from cortex_provider.pulumi.training_view import TrainingViewProvider

grant, view = CortexUserGrantProvider(), TrainingViewProvider()
for role in ("R1", "R2", "R3"):
    assert not grant.check({}, {"role": role}).failures
assert view.check({}, {"database": "D"}).failures  # its own check around the shared one; no SQL (invalid)
timings.flush()
"""


def test_every_call_is_counted_once(tmp_path: Path) -> None:
    env = {"CORTEX_PROVIDER_TIMINGS": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", PROGRAM], check=True, cwd=ROOT, env=env, timeout=120)
    (written,) = tmp_path.glob("provider-*.json")
    totals = json.loads(written.read_text())
    assert totals["check"]["calls"] == 4
    assert totals["check"]["seconds"] > 0
    assert "sql" not in totals  # check sends no SQL


def test_off_unless_asked_for(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", PROGRAM], check=True, cwd=tmp_path,
                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=120)
    assert not list(tmp_path.glob("provider-*.json"))
