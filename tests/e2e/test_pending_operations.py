"""The crash recovery docs/operations.md documents, on the real engine: the `pulumi` CLI is killed right
after FINETUNE('CREATE') reached Snowflake; `pulumi cancel`, then `up` (which adopts the paid job) leaves
no pending operation in the state, so later `up`s do not warn about an interrupted update."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.e2e.faults import Killer, after, converge
from tests.resources.finetune_support import seed

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from finetune_noop import BenchProject, model


@pytest.mark.fault
def test_recovery_leaves_no_pending_operations(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "data", engine="stub", catalogue="2025")
    emu.start()
    try:
        account = emu.new_account()
        seed(emu.connect(account=account))
        proj = BenchProject(tmp_path, emu, account)
        proj.models([model(0, options={"max_epochs": 1, "stub_step_seconds": 0.4})])
        killer = Killer(emu.data_dir / "query_log.jsonl", account, after("FINETUNE('CREATE'"), "pulumi")
        killer.start()
        first = proj.run("up")
        killer.stop()
        killer.join(2)
        killer.reap()
        assert killer.fired_after is not None and not first.ok, "the CLI was not killed mid-create"
        converged, _ = converge(proj, proj.stack_name)  # pulumi cancel, then up: adopts the job
        assert converged, proj.lines[-30:]
        assert any("cleared 1 pending create operation" in line for line in proj.lines), proj.lines[-30:]
        state = proj.stack().export_stack().deployment or {}
        assert not state.get("pending_operations"), state.get("pending_operations")
        again = proj.run("up")
        assert again.ok and "pending operations" not in again.stdout, again.stdout[-2000:]
        assert len(proj.statements("FINETUNE('CREATE'")) == 1  # nothing paid twice
    finally:
        emu.stop()
