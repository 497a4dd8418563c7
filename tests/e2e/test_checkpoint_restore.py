"""A checkpoint torn by a killed CLI ("failed to load checkpoint") is recovered by putting the file
backend's backup back (what docs/operations.md tells the operator and the fault suites do), on the real
CLI; `pulumi stack import` of that backup is refused (it is a checkpoint, not an export)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cortex_provider.engine.cli import find_pulumi
from tests.e2e.faults import restore_checkpoint


@pytest.mark.parametrize("torn", ["checkpoint", "attributes"])
def test_a_torn_checkpoint_is_recovered_from_its_backup(tmp_path: Path, torn: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: torn\nruntime: yaml\n")
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "x",
           "PULUMI_SKIP_UPDATE_CHECK": "1"}

    def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(find_pulumi()), *args, "--stack", "s"], cwd=tmp_path, env=env, text=True,
                              capture_output=True, check=False)

    assert pulumi("stack", "init").returncode == 0
    good = pulumi("stack", "export")
    (tmp_path / "good.json").write_text(good.stdout)
    assert pulumi("stack", "import", "--file", str(tmp_path / "good.json")).returncode == 0  # a 2nd checkpoint
    checkpoint = next(state.glob(".pulumi/stacks/*/s.json"))
    if torn == "checkpoint":  # killed while writing it
        checkpoint.write_text(checkpoint.read_text()[:40])
    else:  # killed while writing its attributes (the content's md5) beside it
        checkpoint.with_suffix(".json.attrs").write_text("")
    torn = pulumi("stack", "export")
    assert torn.returncode != 0 and "failed to load checkpoint" in torn.stderr, torn.stderr
    refused = pulumi("stack", "import", "--force", "--file", str(checkpoint.with_suffix(".json.bak")))
    assert refused.returncode != 0

    restore_checkpoint(state, "s")
    again = pulumi("stack", "export")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["deployment"]["manifest"]["magic"] == \
        json.loads(good.stdout)["deployment"]["manifest"]["magic"]
