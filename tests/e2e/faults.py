"""Faults under the real engine: SIGKILL the `pulumi` CLI, or the dynamic-provider process it started,
the moment a trigger statement reaches the emulator; then recover the way Pulumi documents it
(`pulumi cancel` removes the lock a killed CLI leaves; the next `up` warns about the pending operation
and runs the create again) and count duplicate paid jobs and lost models.

Used by tests/e2e/test_faults_engine.py and bench/finetune_faults.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Trigger = Callable[[list[str]], bool]
CREATE = re.compile(r"FINETUNE\('CREATE',\s*'([^']+)'", re.IGNORECASE)
TARGETS = ("pulumi", "provider")  # the engine's CLI process, or the dynamic-provider plugin it started


def _processes() -> dict[int, tuple[int, list[bytes]]]:
    """pid -> (ppid, argv) for every process we can read."""
    out: dict[int, tuple[int, list[bytes]]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        out[int(proc.name)] = (ppid, argv)
    return out


def victims(target: str) -> list[int]:
    """This process's `pulumi` children, or the `pulumi.dynamic` processes below them."""
    procs, me = _processes(), os.getpid()
    clis = [pid for pid, (ppid, argv) in procs.items() if ppid == me and argv[0].endswith(b"/pulumi")]
    if target == "pulumi":
        return clis
    below, frontier = set(), set(clis)
    while frontier:
        frontier = {pid for pid, (ppid, _) in procs.items() if ppid in frontier} - below
        below |= frontier
    return [pid for pid in below if any(b"pulumi.dynamic" in a for a in procs[pid][1])]


class Killer(threading.Thread):
    """Tails the emulator's query log for one account; SIGKILLs the target when the trigger fires."""

    def __init__(self, log: Path, account: str, trigger: Trigger, target: str) -> None:
        super().__init__(daemon=True)
        self.log, self.account, self.trigger, self.target = log, account, trigger, target
        self.fired_after: str | None = None
        self.seen: list[str] = []
        self.orphans: list[int] = []  # provider processes of a killed CLI: they do not exit by themselves
        self._halt = threading.Event()
        self._offset = log.stat().st_size if log.exists() else 0

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
                    self.orphans = victims("provider") if self.target == "pulumi" else []
                    pids = victims(self.target)
                    for pid in pids:
                        os.kill(pid, signal.SIGKILL)
                    if pids:
                        self.fired_after = self.seen[-1][:60]
                        return
            time.sleep(0.002)

    def stop(self) -> None:
        self._halt.set()

    def reap(self) -> None:
        """SIGKILL what the killed CLI left running (its plugin processes), as closing the terminal would."""
        for pid in self.orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


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


@dataclass
class Outcome:
    killed: bool
    first_ok: bool
    reruns: int
    converged: bool
    duplicates: int
    lost: int
    creates: dict[str, int] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)


def converge(project: Any, stack: str, attempts: int = 4) -> tuple[bool, int]:
    """Rerun `up` as an operator would after a crash:
    - "the stack is currently locked" (a killed CLI leaves its lock): `pulumi cancel`;
    - "failed to load checkpoint" (killed while writing the state file): restore the file backend's
      backup of the previous checkpoint (restore_checkpoint); the model's create then runs again and
      adopts the paid job."""
    for n in range(1, attempts + 1):
        result = project.run("up")
        if result.ok:
            return True, n
        text = result.stdout + result.stderr
        if "currently locked" in text:
            project.pulumi("cancel", "--yes", "--stack", stack, check=False)
        elif "failed to load checkpoint" in text:
            restore_checkpoint(Path(project.state_dir), stack)
    return False, attempts


def restore_checkpoint(state_dir: Path, stack: str) -> None:
    """Put the file backend's backup of the previous checkpoint (`<stack>.json.bak`, written before each
    checkpoint) back in place of the torn one, with its attributes file (`.attrs`: the content's md5; a
    kill can tear either). `pulumi stack import` cannot take the backup: it is in the checkpoint format,
    not the export format (`could not deserialize deployment`)."""
    backup = next(state_dir.glob(f".pulumi/stacks/*/{stack}.json.bak"))
    shutil.copyfile(backup, backup.with_suffix(""))
    attrs = backup.with_name(backup.name + ".attrs")
    if attrs.exists():
        shutil.copyfile(attrs, backup.with_suffix(".attrs"))


def wait_jobs_done(emulator: Any, account: str, timeout: float = 30.0) -> None:
    """Until no job of the account is PENDING or IN_PROGRESS (a `wait: none` model may still train)."""
    cur = emulator.connect(account=account).cursor()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('SHOW')")
        if all(j["status"] not in ("PENDING", "IN_PROGRESS") for j in json.loads(cur.fetchone()[0])):
            return
        time.sleep(0.1)


def models_in(emulator: Any, account: str) -> set[str]:
    cur = emulator.connect(account=account).cursor()
    cur.execute("SHOW MODELS IN SCHEMA DB.S")
    return {str(row[1]) for row in cur.fetchall()}


def count(log: list[str], sc: Scenario, have: set[str]) -> tuple[dict[str, int], int, int]:
    creates = Counter(m.group(1).upper() for s in log if (m := CREATE.search(s)))
    dups = sum(max(0, n - sc.expected_creates.get(name, 0)) for name, n in creates.items())
    return dict(creates), dups, len(sc.expected_models - have)
