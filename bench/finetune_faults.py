"""Faults under the real Pulumi engine: SIGKILL the `pulumi` CLI -- and, separately, the dynamic-provider
process it started -- at each step of a FineTunedModel create, replace and delete; recover as Pulumi
documents (`pulumi cancel` for the lock a killed CLI leaves, then `up`, which reports the pending
operation and runs it again); count duplicate paid jobs and lost models over all runs (goal 0 and 0).

Each scenario runs in a fresh emulator account (stub engine) on its own stack. Counted from the
emulator's query log (FINETUNE('CREATE') per model name vs. the trainings the scenario asked for) and
SHOW MODELS (every model that should exist, retained ones included).

    python bench/finetune_faults.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from finetune_noop import BenchProject, model  # noqa: E402

from tests.conftest import Emulator  # noqa: E402
from tests.e2e.faults import (  # noqa: E402
    TARGETS,
    Killer,
    Outcome,
    Scenario,
    after,
    converge,
    count,
    models_in,
    wait_jobs_done,
)
from tests.resources.finetune_support import seed  # noqa: E402

SLOW = {"max_epochs": 1, "stub_step_seconds": 0.4}

SCENARIOS = [
    Scenario("create: after CREATE, before the state write", [], [model(0, options=SLOW, wait="none")],
             after("FINETUNE('CREATE'"), {"M0"}, {"DB.S.M0": 1}),
    Scenario("create: while waiting", [], [model(0, options=SLOW)],
             after("FINETUNE('CREATE'", then="FINETUNE('DESCRIBE'"), {"M0"}, {"DB.S.M0": 1}),
    Scenario("replace (new name): while the new job trains", [[model(0)]],
             [model(0, model_name="M0_V2", options=SLOW)],
             after("FINETUNE('CREATE'", then="FINETUNE('DESCRIBE'", then_count=2),
             {"M0", "M0_V2"}, {"DB.S.M0": 1, "DB.S.M0_V2": 1}),
    # the old job must still be running when the replace deletes it: 4 steps of 5 s
    Scenario("delete of a running job: right after CANCEL",
             [[model(0, options={"max_epochs": 1, "stub_step_seconds": 5}, wait="none")]],
             [model(0, model_name="M0_V2", wait="none", options={"max_epochs": 1})],
             after("FINETUNE('CANCEL'"), {"M0_V2"}, {"DB.S.M0": 1, "DB.S.M0_V2": 1}),
    Scenario("replace (same name, retain false): after DROP of the old", [[model(0, retain_on_delete=False)]],
             [model(0, retain_on_delete=False, options={"max_epochs": 2, "stub_step_seconds": 0.2})],
             after("DROP MODEL"), {"M0"}, {"DB.S.M0": 2}),
]


def run_scenario(emulator: Emulator, root: Path, sc: Scenario, target: str) -> Outcome:
    account = emulator.new_account()
    seed(emulator.connect(account=account))
    proj = BenchProject(root / account, emulator, account)
    for program in sc.setup:
        proj.models(program)
        assert proj.run("up").ok, proj.lines[-20:]
    proj.models(sc.faulty)
    killer = Killer(emulator.data_dir / "query_log.jsonl", account, sc.trigger, target)
    killer.start()
    first = proj.run("up")
    killer.stop()
    killer.join(2)
    killer.reap()
    converged, reruns = (True, 0) if first.ok else converge(proj, proj.stack_name)
    wait_jobs_done(emulator, account)
    have = models_in(emulator, account)
    log = [str(e["statement"]) for e in emulator.query_log(account)]
    creates, dups, lost = count(log, sc, have)
    return Outcome(killer.fired_after is not None, first.ok, reruns, converged, dups, lost, creates, sorted(have))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs = kills = dups = lost = unconverged = 0
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "data", engine="stub", catalogue="2025")
        emu.start()
        try:
            for _ in range(args.repeat):
                for target in TARGETS:
                    for sc in SCENARIOS:
                        o = run_scenario(emu, Path(tmp), sc, target)
                        runs, kills = runs + 1, kills + o.killed
                        dups, lost, unconverged = dups + o.duplicates, lost + o.lost, unconverged + (not o.converged)
                        print(f"  kill {target:8} {sc.name}: killed={o.killed}, first up ok={o.first_ok}, "
                              f"reruns={o.reruns}, converged={o.converged}, creates={o.creates}, "
                              f"duplicates={o.duplicates}, models={o.models}, lost={o.lost}", flush=True)
        finally:
            emu.stop()
    print(f"finetune_faults (real engine): {runs} runs, {kills} kills (pulumi CLI and provider process), "
          f"not converged={unconverged}, duplicate jobs started={dups}, models lost={lost} (goal 0 and 0)")


if __name__ == "__main__":
    main()
