"""Faults under the real engine. The `pulumi` CLI, or the dynamic-provider process it
started, is SIGKILLed right after FINETUNE('CREATE') reached Snowflake (the costly moment: a paid job
exists, the state does not know it yet); recovering as Pulumi documents (`pulumi cancel`, then `up`)
converges with exactly one job and the model present. bench/finetune_faults.py runs every step.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.e2e.faults import TARGETS, Killer, Scenario, after, converge, count, models_in, wait_jobs_done
from tests.resources.finetune_support import seed

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from finetune_noop import BenchProject, model

AFTER_CREATE = Scenario("create: after CREATE, before the state write", [],
                        [model(0, options={"max_epochs": 1, "stub_step_seconds": 0.4}, wait="none")],
                        after("FINETUNE('CREATE'"), {"M0"}, {"DB.S.M0": 1})


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    e = Emulator(tmp_path_factory.mktemp("faults") / "data", engine="stub", catalogue="2025")
    e.start()
    try:
        yield e
    finally:
        e.stop()


@pytest.mark.fault
@pytest.mark.parametrize("target", TARGETS)
def test_kill_after_create_never_pays_twice(emu: Emulator, tmp_path: Path, target: str) -> None:
    account = emu.new_account()
    seed(emu.connect(account=account))
    proj = BenchProject(tmp_path, emu, account)
    proj.models(AFTER_CREATE.faulty)
    killer = Killer(emu.data_dir / "query_log.jsonl", account, AFTER_CREATE.trigger, target)
    killer.start()
    first = proj.run("up")
    killer.stop()
    killer.join(2)
    killer.reap()
    assert killer.fired_after is not None, "the kill did not fire"
    # (whether the kill lands before or after the engine recorded the create is a race; both must converge)
    converged, _ = converge(proj, proj.stack_name) if not first.ok else (True, 0)
    assert converged, proj.lines[-30:]
    wait_jobs_done(emu, account)  # wait: none -- the adopted job may still be training
    log = [str(e["statement"]) for e in emu.query_log(account)]
    creates, duplicates, lost = count(log, AFTER_CREATE, models_in(emu, account))
    assert creates == {"DB.S.M0": 1} and duplicates == 0 and lost == 0
