"""Kill the provider process (the `python -m pulumi.dynamic` child) at each step of create and replace,
rerun `up`, and count duplicate paid jobs and lost models over all runs (goal: 0 and 0).

Each scenario runs in a fresh emulator account through the offline runner (the real program path).
A watcher tails the emulator's query log and SIGKILLs the provider child the moment a trigger
statement appears; then `up` is rerun until it succeeds (at most 3 times). Counted from the
emulator's query log (FINETUNE('CREATE') per model name vs. the trainings the scenario asked for)
and SHOW MODELS (every model that should exist, retained ones included).

    python bench/finetune_faults.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from finetune_noop import BenchProject, model

from tests.conftest import Emulator
from tests.resources.finetune_support import seed

Trigger = Callable[[list[str]], bool]
_CREATE = re.compile(r"FINETUNE\('CREATE',\s*'([^']+)'", re.IGNORECASE)
SLOW = {"max_epochs": 1, "stub_step_seconds": 0.4}


def provider_children() -> list[int]:
    """Pids of this process's `pulumi.dynamic` children (the provider servers we started)."""
    me, out = os.getpid(), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == me and "pulumi.dynamic" in cmd:
            out.append(int(proc.name))
    return out


class Killer(threading.Thread):
    def __init__(self, emulator: Emulator, account: str, trigger: Trigger) -> None:
        super().__init__(daemon=True)
        self.log = emulator.data_dir / "query_log.jsonl"
        self.account, self.trigger = account, trigger
        self.fired_after: str | None = None
        self._halt = threading.Event()
        self._offset = self.log.stat().st_size if self.log.exists() else 0
        self.seen: list[str] = []

    def run(self) -> None:
        while not self._halt.is_set():
            if self.log.exists():
                with self.log.open("rb") as f:
                    f.seek(self._offset)
                    chunk = f.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]  # a line may still be half-written
                self._offset += len(complete)
                for line in complete.decode().splitlines():
                    entry = json.loads(line)
                    if str(entry.get("account", "")).upper() == self.account:
                        self.seen.append(str(entry["statement"]))
                if self.seen and self.trigger(self.seen):
                    for pid in provider_children():
                        os.kill(pid, signal.SIGKILL)
                    self.fired_after = self.seen[-1][:60]
                    return
            time.sleep(0.002)

    def stop(self) -> None:
        self._halt.set()


def after(needle: str, then: str | None = None, then_count: int = 1) -> Trigger:
    """Fire once `needle` was logged (and, if given, `then` logged `then_count` times after it)."""
    def fire(seen: list[str]) -> bool:
        hits = [i for i, s in enumerate(seen) if needle.upper() in s.upper()]
        if not hits:
            return False
        return then is None or sum(then.upper() in s.upper() for s in seen[hits[0] + 1:]) >= then_count
    return fire


@dataclass
class Scenario:
    name: str
    setup: list[list[dict[str, Any]]]  # programs applied (without faults) before the faulty one
    faulty: list[dict[str, Any]]
    trigger: Trigger
    expected_models: set[str]
    expected_creates: dict[str, int]
    kill_before_create: bool = False


@dataclass
class Totals:
    runs: int = 0
    kills: int = 0
    interrupted: int = 0  # kills that landed inside a provider call (the first `up` failed)
    duplicates: int = 0
    lost: int = 0
    lines: list[str] = field(default_factory=list)


SCENARIOS = [
    Scenario("create: before CREATE (during lookup/pre-flight)", [], [model(0, options=SLOW)],
             after("FINETUNE('SHOW')"), {"M0"}, {"DB.S.M0": 1}, kill_before_create=True),
    Scenario("create: after CREATE, before state write", [], [model(0, options=SLOW, wait="none")],
             after("FINETUNE('CREATE'"), {"M0"}, {"DB.S.M0": 1}),
    Scenario("create: while waiting", [], [model(0, options=SLOW)],
             after("FINETUNE('CREATE'", then="FINETUNE('DESCRIBE'"), {"M0"}, {"DB.S.M0": 1}),
    Scenario("replace (new name): while the new job trains", [[model(0)]],
             [model(0, model_name="M0_V2", options=SLOW)],
             after("FINETUNE('CREATE'", then="FINETUNE('DESCRIBE'", then_count=2),
             {"M0", "M0_V2"}, {"DB.S.M0": 1, "DB.S.M0_V2": 1}),
    # the new job is created (wait none), then the old one's delete DESCRIBEs it and CANCELs it
    Scenario("replace (new name): deleting the old running job, before CANCEL",
             [[model(0, options=SLOW, wait="none")]],
             [model(0, model_name="M0_V2", wait="none", options={"max_epochs": 1})],
             after("FINETUNE('CREATE'", then="FINETUNE('DESCRIBE'", then_count=2),
             {"M0_V2"}, {"DB.S.M0": 1, "DB.S.M0_V2": 1}),
    Scenario("replace (new name): deleting the old running job, right after CANCEL",
             [[model(0, options=SLOW, wait="none")]],
             [model(0, model_name="M0_V2", wait="none", options={"max_epochs": 1})],
             after("FINETUNE('CANCEL'"), {"M0_V2"}, {"DB.S.M0": 1, "DB.S.M0_V2": 1}),
    Scenario("replace (same name, retain false): after DROP of the old",
             [[model(0, retain_on_delete=False)]],
             [model(0, retain_on_delete=False, options={"max_epochs": 2, "stub_step_seconds": 0.2})],
             after("DROP MODEL"), {"M0"}, {"DB.S.M0": 2}),
]


def models_in(emulator: Emulator, account: str) -> set[str]:
    cur = emulator.connect(account=account).cursor()
    cur.execute("SHOW MODELS IN SCHEMA DB.S")
    cols = [d[0].lower() for d in cur.description]
    return {row[cols.index("name")] for row in cur.fetchall()}


def wait_jobs_done(emulator: Emulator, account: str, timeout: float = 30.0) -> None:
    cur = emulator.connect(account=account).cursor()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('SHOW')")
        jobs = json.loads(cur.fetchone()[0])
        if all(j["status"] not in ("PENDING", "IN_PROGRESS") for j in jobs):
            return
        time.sleep(0.1)


def run_scenario(emulator: Emulator, root: Path, sc: Scenario, totals: Totals) -> None:
    account = emulator.new_account()
    seed(emulator.connect(account=account))
    proj = BenchProject(root / account, emulator, account)
    for program in sc.setup:
        proj.models(program)
        res = proj.run("up")
        assert res.ok, res.errors
    proj.models(sc.faulty)
    killer = Killer(emulator, account, sc.trigger)
    killer.start()
    first = proj.run("up")
    killer.stop()
    killer.join(2)
    reruns = 0
    ok = first.ok
    while not ok and reruns < 3:
        reruns += 1
        ok = proj.run("up").ok
    wait_jobs_done(emulator, account)
    log = [str(e["statement"]) for e in emulator.query_log(account)]
    creates = Counter(m.group(1).upper() for s in log if (m := _CREATE.search(s)))
    dups = sum(max(0, n - sc.expected_creates.get(name, 0)) for name, n in creates.items())
    have = models_in(emulator, account)
    lost = len(sc.expected_models - have)
    hit = "n/a"
    if killer.fired_after is not None and sc.kill_before_create:
        hit = "yes" if not any(_CREATE.search(s) for s in killer.seen) else "no (CREATE already sent)"
    totals.runs += 1
    totals.kills += killer.fired_after is not None
    totals.interrupted += killer.fired_after is not None and not first.ok
    totals.duplicates += dups
    totals.lost += lost
    totals.lines.append(
        f"  {sc.name}: killed={'yes' if killer.fired_after else 'no'} (after {killer.fired_after!r}"
        f"{'; landed after the call returned' if killer.fired_after and first.ok else ''}), "
        f"first up ok={first.ok}, reruns={reruns}, converged={ok}, creates={dict(creates)}, "
        f"duplicates={dups}, models={sorted(have)}, lost={lost}"
        + (f", killed before CREATE={hit}" if sc.kill_before_create else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    totals = Totals()
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "data", engine="stub")
        emu.start()
        try:
            for _ in range(args.repeat):
                for sc in SCENARIOS:
                    run_scenario(emu, Path(tmp), sc, totals)
        finally:
            emu.stop()
    print("\n".join(totals.lines))
    print(f"finetune_faults: {totals.runs} runs, {totals.kills} provider kills ({totals.interrupted} inside "
          f"a provider call), duplicate jobs started="
          f"{totals.duplicates}, models lost={totals.lost} (goal 0 and 0)")


if __name__ == "__main__":
    main()
