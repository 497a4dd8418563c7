"""The policy pack under the real engine's `pulumi preview --policy-pack`.

The pack is started by the engine itself as a binary analyzer (policy/analyzer; see its header for
why not through the Python language host): a mandatory violation fails the preview with the policy's
message, an advisory one is printed and lets it pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.e2e.engine import ROOT, EngineProject
from tests.e2e.support import seed_demo

PACK = str(ROOT / "policy" / "analyzer")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProject]:
    root = tmp_path_factory.mktemp("policy")
    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port)
        yield EngineProject(root / "project", emu.port)
    finally:
        emu.stop()


def _config(tmp: Path, policies: dict[str, object]) -> str:
    path = tmp / "policy-config.json"
    path.write_text(json.dumps(policies))
    return str(path)


def test_default_pack_passes_the_local_stack(project: EngineProject) -> None:
    result = project.run("preview", policy_packs=[PACK])
    assert result.ok, result.stdout[-2000:]
    assert result.policy == []
    assert "cortex-guardrails@v0.1.0" in result.stdout


def test_mandatory_violation_blocks_and_advisory_is_printed(project: EngineProject, tmp_path: Path) -> None:
    config = _config(tmp_path, {
        "cortex-grants-to-listed-roles": {"enforcementLevel": "mandatory", "allowed_roles": ["ML_ENGINEER"]},
        "cortex-allowed-base-models": {"enforcementLevel": "advisory", "allowed_base_models": ["mistral-7b"]},
    })
    result = project.run("preview", policy_packs=[PACK], policy_pack_configs=[config])
    assert not result.ok  # the engine refuses the plan
    levels = {(level, name) for level, name, _ in result.policy}
    assert ("mandatory", "cortex-grants-to-listed-roles") in levels
    assert ("advisory", "cortex-allowed-base-models") in levels
    assert "ANALYST" in " ".join(msg for _, name, msg in result.policy if name == "cortex-grants-to-listed-roles")
    assert "mandatory" in result.stdout and "advisory" in result.stdout  # what the reviewer reads
