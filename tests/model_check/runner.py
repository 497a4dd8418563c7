"""One model-check run: sequences of random steps on the real Pulumi engine against one emulator.

Each sequence has its own emulator account (seeded with the demo's data, 20 rows) and its own stacks
of one shared project copy: `A` (the main stack), and, once a step makes them, `B` (a second stack
declaring A's names) and `X<n>` (a stack written by `python -m cortex_provider.export` and adopted).
The generator draws from a seeded random.Random and from the harness's own record only (never from
an outcome), so a seed replays the same steps. After every step the invariants in checks.py run.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.e2e.support import seed_demo
from tests.model_check import outside, specs
from tests.model_check.checks import (
    Ledger,
    Violation,
    bills,
    check_noop,
    check_plan,
    check_read_only,
    check_step,
    first_error,
    note_spec,
    planned,
    release,
    settle_bills,
)
from tests.model_check.world import LogTail, Observer, Snapshot

KINDS = {"edit_up": 5.0, "preview_up": 2.0, "refresh": 1.0, "destroy": 0.6, "second_stack": 0.5,
         "export_adopt": 0.4, "kill": 1.0, "restart": 0.5, "bad_view": 0.4}
KILL_AT = ("FINETUNE('CREATE'", "FINETUNE('DESCRIBE'", "SHOW MODELS")


_UNOWNED = re.compile(r"(\w+) ([\w.\"]+) already exists and no stack's record names it")
_KIND = {"FineTunedModel": "model", "TrainingView": "view"}


class Run:
    """The shared pieces: one emulator, one project copy, the query log, the violations found."""

    def __init__(self, emulator: Any, project: Any, workdir: Path, printer: Callable[[str], None] = print) -> None:
        self.emu, self.project, self.workdir, self.print = emulator, project, workdir, printer
        self.tail = LogTail(emulator.data_dir / "query_log.jsonl")
        self.violations: list[Violation] = []
        self.steps = 0
        self.sequences = 0
        self.counts: dict[str, int] = {}  # what was exercised: kills fired, plans compared, bills checked...

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def sequence(self, seed: int, index: int, steps: int, kinds: list[str] | None = None) -> None:
        """One sequence of `steps` steps (the first is always an up of A's base spec); `kinds` fixes the
        kind of each later step instead of drawing it (edits are still drawn)."""
        Sequence(self, random.Random(f"{seed}:{index}"), index).run(steps, kinds)
        self.sequences += 1


class Sequence:
    def __init__(self, run: Run, rng: random.Random, index: int) -> None:
        self.run_, self.rng, self.index = run, rng, index
        self.account = run.emu.new_account()
        seed_demo(run.emu.port, rows=20, account=self.account)
        self.observer = Observer(run.emu, self.account, specs.DATABASE, specs.SCHEMA)
        self.ledger = Ledger()
        self.specs: dict[str, dict[str, Any]] = {}  # role -> spec ("A", "B", "X1", ...)
        self.used: set[str] = {"SUPPORT_EXTRACTOR", "SUPPORT_TRAIN", "SUPPORT_VALIDATION"}
        self.history: list[str] = []
        self.step_no = 0
        self.exports = 0
        self.role = "A"  # the stack the current step runs on
        self.pending_sql: list[str] = []  # statements a step read off the log before its checks

    # -- stacks ---------------------------------------------------------------------------------
    def stack(self, role: str) -> str:
        return f"mc{self.index}{role.lower()}"

    def write(self, role: str, spec: dict[str, Any]) -> None:
        self.specs[role] = spec
        path = self.run_.project.stack_file(self.stack(role))
        data = yaml.safe_load(path.read_text()) if path.exists() else {}
        data = data or {}
        data["config"] = {"cortex:account": self.account, "cortex:user": "ADMIN", "cortex:role": "ACCOUNTADMIN",
                          "cortex:spec": spec}
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        note_spec(self.ledger, self.stack(role), spec)

    def verb(self, verb: str, role: str, **kw: Any) -> Any:
        return self.run_.project.run(verb, self.stack(role), **kw)

    # -- one step -------------------------------------------------------------------------------
    def run(self, steps: int, kinds: list[str] | None = None) -> None:
        self.write("A", specs.base_spec())
        self.record("A: base spec (2 views, SUPPORT_EXTRACTOR max_epochs 1)")
        self.step("edit_up", edit=False)
        names = list(KINDS)
        for n in range(steps - 1):
            kind = kinds[n] if kinds is not None else self.rng.choices(names, weights=[KINDS[k] for k in names])[0]
            kind, _, role = kind.partition("@")  # "destroy@B": the step runs on that stack
            if kind not in KINDS:
                raise ValueError(f"step kind {kind!r}: choose one of {', '.join(names)}")
            self.step(kind, role=role or None)
        self.finish()

    def record(self, line: str) -> None:
        self.history.append(line)

    def violation(self, invariant: str, detail: str, kind: str, step: int | None = None) -> None:
        v = Violation(self.index, step or self.step_no, kind, invariant, detail, list(self.history), self.role)
        self.run_.violations.append(v)
        self.run_.print(f"VIOLATION {v}")

    def pick_role(self) -> str:
        others = sorted(r for r in self.specs if r != "A")
        return "A" if not others or self.rng.random() < 0.7 else self.rng.choice(others)

    def step(self, kind: str, edit: bool = True, role: str | None = None) -> None:
        self.step_no += 1
        self.run_.steps += 1
        before = self.observer.snapshot()
        self.run_.tail.read(self.account)  # the observer's own reads are not the step's
        role = role if role is not None and role in self.specs else self.pick_role()
        self.role = role
        start, first_line = time.monotonic(), len(self.history)
        ups: list[Any] = []
        announced: dict[str, dict[str, Any]] = {}
        destroyed = False
        noop_check = True
        if kind in ("edit_up", "preview_up", "kill") and edit:
            # a kill needs work to interrupt: an edit that trains (FINETUNE CREATE, then DESCRIBE polls)
            trains = ("retrain", "rename", "add_model") if kind == "kill" else ()
            spec, label = specs.edit(self.rng, self.specs[role], self.used, trains)
            self.write(role, spec)
            self.record(f"{role}: edit: {label}")
        if kind == "edit_up":
            self.record(f"{role}: up")
            ups.append(self.expect(self.verb("up", role), kind, role))
        elif kind == "preview_up":
            self.record(f"{role}: preview, then up")
            preview = self.expect(self.verb("preview", role), kind, role)
            self.pending_sql = self.run_.tail.read(self.account)
            for inv, detail in check_read_only("preview", self.pending_sql):
                self.violation(inv, detail, kind)
            up = self.expect(self.verb("up", role), kind, role)
            ups.append(up)
            up_sql = self.run_.tail.read(self.account)
            self.pending_sql += up_sql
            if preview.ok and not self.refused(up):  # a refused up did nothing; the plan is moot
                self.run_.count("plans compared with the up after them")
                for inv, detail in check_plan(preview, up, up_sql):
                    self.violation(inv, detail, kind)
                announced = planned(preview)  # the bill is checked against what preview showed
        elif kind == "bad_view":
            self.bad_view(role, kind)
            noop_check = False
        elif kind == "refresh":
            self.record(f"{role}: refresh")
            self.expect(self.verb("refresh", role), kind, role)
            noop_check = False
        elif kind == "destroy":
            self.record(f"{role}: destroy")
            destroyed = self.expect(self.verb("destroy", role), kind, role).ok
            noop_check = False
        elif kind == "second_stack":
            role = self.role = "B"
            if "B" not in self.specs:
                spec, label = specs.overlapping(self.rng, self.specs["A"])
                self.write("B", spec)
                self.record(f"B: {label}")
            self.record("B: up")
            ups.append(self.expect(self.verb("up", "B"), kind, "B"))
        elif kind == "export_adopt":
            self.exports += 1
            role = self.role = f"X{self.exports}"
            exported = self.export()
            if exported is None:
                return self.done(kind, role, start, first_line)
            self.write(role, exported)
            if self.rng.random() < 0.5:
                for m in self.specs[role]["models"]:
                    m["retain_on_delete"] = False
                self.write(role, self.specs[role])
            dropping = any(m.get("retain_on_delete") is False for m in self.specs[role]["models"])
            self.record(f"{role}: python -m cortex_provider.export, then up "
                        f"(retain_on_delete {'false' if dropping else 'as exported'})")
            ups.append(self.expect(self.verb("up", role), kind, role))
        elif kind == "kill":
            ups += self.killed_up(role)
        elif kind == "restart":
            self.record("Snowflake (the emulator) stopped and started again")
            self.observer.reset()
            try:
                self.run_.emu.restart()
            except AssertionError as exc:  # it did not stop cleanly: say so, and go on with a fresh start
                self.violation("verb failed", f"the emulator did not stop cleanly: {str(exc)[:200]}", kind)
                self.run_.emu.start()
            noop_check = False
        sql = self.pending_sql + self.run_.tail.read(self.account)
        self.pending_sql = []
        for inv, detail in check_read_only("refresh", sql) if kind == "refresh" else []:
            self.violation(inv, detail, kind)
        after_snap = self.observer.snapshot()
        self.run_.tail.read(self.account)
        stack = self.stack(role)
        for inv, detail in check_step(self.ledger, stack, before, after_snap, sql):
            self.violation(inv, detail, kind)
        if destroyed:
            release(self.ledger, stack, None)
        elif ups and ups[-1].ok:
            spec = self.specs[role]
            release(self.ledger, stack, {str(e["name"]).upper() for key in ("models", "training_views")
                                         for e in spec.get(key) or []})
        plans: dict[str, dict[str, Any]] = {}
        # each job is billed against the plan of the up that paid for it: the first that planned a training
        # (after a kill, the recovering up adopts the job and rightly plans 0 tokens)
        for up in ups:
            for name, plan in planned(up).items():
                if plan.get("action") != "adopt":
                    plans.setdefault(name, plan)
        plans.update(announced)
        bills(self.ledger, after_snap, plans, self.step_no, stack, before)
        for step, inv, detail in settle_bills(self.ledger, after_snap):
            self.violation(inv, detail, kind, step)
        if ups and ups[-1].ok and noop_check:
            self.noop(role, kind, after_snap)
        self.done(kind, role, start, first_line)

    def done(self, kind: str, role: str, start: float, first_line: int) -> None:
        what = "; ".join(self.history[first_line:])
        self.run_.print(f"  seq {self.index} step {self.step_no} ({time.monotonic() - start:.1f}s): {what}")

    def expect(self, result: Any, kind: str, role: str) -> Any:
        if not result.ok:
            msg = first_error(result)
            self.record(f"   -> {result.verb} failed: {msg}")
            self.run_.count("refusals naming the owning stack" if self.refused(result) else "verbs failed")
            if not self.refused(result):
                self.violation("verb failed", f"{result.verb} of stack {self.stack(role)}: {msg}", kind)
        return result

    def bad_view(self, role: str, kind: str) -> None:
        """Preview must refuse what up will refuse, with the same message and no traceback (then undo)."""
        good = self.specs[role]
        spec, label = specs.broken_view(self.rng, good, self.used)
        self.write(role, spec)
        self.record(f"{role}: edit: {label}")
        self.record(f"{role}: preview, then up (both must fail, with a message)")
        preview = self.verb("preview", role)
        self.pending_sql = self.run_.tail.read(self.account)
        up = self.verb("up", role)
        if preview.ok and not up.ok:
            self.violation("plan differs from up", f"preview passed; up failed: {first_error(up)}", kind)
        for result in (preview, up):
            if not result.ok and "traceback" in first_error(result):
                self.violation("verb failed", f"{result.verb}: {first_error(result)}", kind)
        self.write(role, good)
        self.record(f"{role}: edit: undo ({label})")

    def refused(self, result: Any) -> bool:
        """The ownership rule working: an object managed by another stack of this sequence, or one that no
        stack holds (its creator let it go) and this stack did not declare `adopt: true` for."""
        text = result.stdout + result.stderr
        if result.ok:
            return False
        if any(re.search(rf"managed by stack '{self.stack(r)}'", text) for r in self.specs if r != self.role):
            return True
        unowned = _UNOWNED.search(text)
        if unowned is None:
            return False
        key = (_KIND.get(unowned.group(1), unowned.group(1)), unowned.group(2).split(".")[-1].strip('"').upper())
        return key not in self.ledger.owner or key in self.ledger.released  # else its creator's record is missing

    def noop(self, role: str, kind: str, before: Snapshot) -> None:
        self.run_.count("second ups checked")
        self.record(f"{role}: up again (must be a no-op)")
        result = self.verb("up", role)
        sql = self.run_.tail.read(self.account)
        problems = check_noop(result, sql)
        for inv, detail in problems:
            self.violation(inv, detail, kind)
        if problems:
            self.history.pop()
            self.record(f"{role}: up again -> not a no-op")
        after_snap = self.observer.snapshot()
        self.run_.tail.read(self.account)
        for inv, detail in check_step(self.ledger, self.stack(role), before, after_snap, sql):
            self.violation(inv, detail, kind)

    def killed_up(self, role: str) -> list[Any]:
        target = self.rng.choice(["pulumi", "provider"])
        needle = self.rng.choice(KILL_AT)
        self.record(f"{role}: up, SIGKILL {target} after {needle!r}; then pulumi cancel / up until it converges")
        ups, fired = outside.killed_up(self.run_.project, self.run_.emu, self.account, self.stack(role), target, needle)
        self.run_.count("kills fired" if fired else "kills that did not fire")
        self.record(f"   -> killed after {fired!r}" if fired else "   -> the kill did not fire")
        if not ups[-1].ok:
            self.expect(ups[-1], "kill", role)
        return ups

    def export(self) -> dict[str, Any] | None:
        spec, error = outside.export(self.run_.emu, self.account, self.run_.workdir, f"{self.index}-{self.exports}")
        if spec is None:
            self.record(f"   -> export failed: {error.splitlines()[-1][:200] if error else '?'}")
            self.violation("verb failed", f"python -m cortex_provider.export: {error}", "export_adopt")
        return spec

    def finish(self) -> None:
        """Wait for jobs still running (a killed up may leave one) and settle their bills."""
        deadline = time.monotonic() + 60
        while self.ledger.pending_bills and time.monotonic() < deadline:
            for step, inv, detail in settle_bills(self.ledger, self.observer.snapshot()):
                self.violation(inv, detail, "finish", step)
            if self.ledger.pending_bills:
                time.sleep(0.5)
        for what, n in self.ledger.counts.items():
            self.run_.count(what, n)
        self.observer.reset()
