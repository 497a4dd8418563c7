"""The invariants, checked after every step from what the emulator holds and what the step sent.

- model lost: a model present before the step is gone (or re-created) after it, and the stack that ran
  the step did not create it or was never told to drop it (retain_on_delete: false);
- duplicate paid job: a FINETUNE('CREATE') for a spec (model, base model, queries, options) that an
  earlier job of this sequence already trains, while that job's model exists or the job still runs;
- bill differs from plan: a job's billed trained_tokens differ from the estimated_trained_tokens of
  the training_plan announced before it (the preview's when one ran, else the up's own check);
- plan differs from up: what preview planned (operations; train or not) is not what the next up did;
- second up not a no-op: `up` right after a successful `up` changes something or sends mutating SQL;
- other stack's object changed: a model or view that another stack created is gone or different;
- verb failed: a verb failed where nothing was injected (the message's first line is the detail);
- refresh or preview wrote: `refresh` or `preview` sent mutating SQL (they only read).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.model_check.world import Create, Snapshot, is_mutation, parse_create

INVARIANTS = ("model lost", "duplicate paid job", "bill differs from plan", "plan differs from up",
              "second up not a no-op", "other stack's object changed", "verb failed",
              "refresh or preview wrote")
RUNNING = ("PENDING", "IN_PROGRESS")


@dataclass
class Violation:
    sequence: int
    step: int
    kind: str  # the step's kind (edit_up, kill, ...)
    invariant: str
    detail: str
    history: list[str] = field(default_factory=list)  # the sequence's steps up to this one (a reproduction)
    role: str = "A"  # the stack the step ran on: A, B (a second stack), X<n> (an exported one)

    def __str__(self) -> str:
        steps = "\n".join(f"    {i}. {h}" for i, h in enumerate(self.history, 1))
        return f"[sequence {self.sequence} step {self.step}] {self.invariant}: {self.detail}\n  reproduce:\n{steps}"


@dataclass
class Ledger:
    """What the harness knows about one sequence's account beyond a snapshot: who created what, which
    stacks were told to drop which models, and every CREATE sent so far."""

    owner: dict[tuple[str, str], str] = field(default_factory=dict)  # ("model"|"view", NAME) -> its creator
    released: set[tuple[str, str]] = field(default_factory=set)  # kept by a creator that let it go: no one drops it
    drop_allowed: dict[str, set[str]] = field(default_factory=dict)  # stack -> models declared retain false
    creates: list[Create] = field(default_factory=list)
    pending_bills: list[tuple[str, str, int, int, str]] = field(default_factory=list)  # job, model, tokens, step, stack
    counts: dict[str, int] = field(default_factory=dict)  # what was checked: bills, jobs without a figure


def view_created(statement: str) -> str | None:
    words = statement.replace("(", " ").split()
    upper = [w.upper() for w in words]
    if not upper or upper[0] != "CREATE" or "VIEW" not in upper[:6]:
        return None
    i = upper.index("VIEW") + 1
    while i < len(upper) and upper[i] in ("IF", "NOT", "EXISTS"):
        i += 1
    return words[i].split(".")[-1].strip('"').upper() if i < len(words) else None


def note_spec(ledger: Ledger, stack: str, spec: Mapping[str, Any] | None) -> None:
    for m in (spec or {}).get("models") or []:
        if m.get("retain_on_delete") is False:
            ledger.drop_allowed.setdefault(stack, set()).add(str(m["name"]).upper())


def check_step(ledger: Ledger, stack: str, before: Snapshot, after: Snapshot, sql: list[str]) -> list[tuple[str, str]]:
    """(invariant, detail) for one step of `stack` whose statements were `sql`."""
    out: list[tuple[str, str]] = []
    created = [c for s in sql if (c := parse_create(s)) is not None]
    for i, c in enumerate(created):
        earlier = [e for e in ledger.creates if e.spec == c.spec] + [e for e in created[:i] if e.spec == c.spec]
        running = any(j.get("status") in RUNNING and str(j.get("model", "")).split(".")[-1].upper() == c.model
                      for j in before.jobs.values())
        if earlier and (c.model in before.models or running or any(e.spec == c.spec for e in created[:i])):
            out.append(("duplicate paid job", f"FINETUNE('CREATE') of {c.model} again for the same spec "
                        f"(options {c.options}); the earlier job's model exists or it still runs"))
    for name in sorted(set(before.models) - set(after.models) | {
            n for n in set(before.models) & set(after.models) if before.models[n] != after.models[n]}):
        owner = ledger.owner.get(("model", name))
        released = ("model", name) in ledger.released
        if owner != stack or released or name not in ledger.drop_allowed.get(stack, set()):
            why = ("it was created by stack " + owner) if owner and owner != stack else (
                "no stack created it" if not owner else
                f"stack {owner} created it, then let it go (destroy, or removed from its spec)" if released else
                "this stack never declared it retain_on_delete: false")
            out.append(("model lost", f"model {name} dropped by a step of stack {stack}: {why}"))
    for (kind, name), owner in sorted(ledger.owner.items()):
        if owner == stack and (kind, name) not in ledger.released:
            continue
        old, new = (before.models, after.models) if kind == "model" else (before.views, after.views)
        if name in old and old.get(name) != new.get(name):
            what = "dropped" if name not in new else "changed"
            if kind == "model" and name not in new:
                continue  # reported as a lost model above
            out.append(("other stack's object changed", f"{kind} {name} of stack {owner} {what} by a step of {stack}"))
    # record ownership: a first CREATE of an object that did not exist before the step
    for c in created:
        if c.model not in before.models:
            ledger.owner[("model", c.model)] = stack
            ledger.released.discard(("model", c.model))
    for s in sql:
        view = view_created(s)
        if view and view not in before.views:
            ledger.owner[("view", view)] = stack
            ledger.released.discard(("view", view))
    ledger.creates += created
    return out


def release(ledger: Ledger, stack: str, declared: set[str] | None) -> None:
    """After a successful verb of `stack`: what it created and no longer declares (`declared`: upper-case
    names; None after a destroy) is let go; what it declares again is its own again."""
    for key, owner in ledger.owner.items():
        if owner == stack:
            if declared is not None and key[1] in declared:
                ledger.released.discard(key)
            else:
                ledger.released.add(key)


def check_read_only(verb: str, sql: list[str]) -> list[tuple[str, str]]:
    mutations = [s[:90] for s in sql if is_mutation(s)]
    return [("refresh or preview wrote", f"{verb} sent {mutations[:3]}")] if mutations else []


def check_noop(result: Any, sql: list[str]) -> list[tuple[str, str]]:
    if not result.ok:
        return [("second up not a no-op", f"the second up failed: {first_error(result)}")]
    changed = {n: op for n, op in result.ops().items() if op not in ("same", "read")}
    mutations = [s[:90] for s in sql if is_mutation(s)]
    if changed or result.changes or mutations:
        return [("second up not a no-op", f"ops {changed or result.summary}; SQL {mutations[:3]}")]
    return []


def planned(result: Any) -> dict[str, dict[str, Any]]:
    """Model NAME -> its training_plan, for the FineTunedModel steps that create or replace one."""
    out: dict[str, dict[str, Any]] = {}
    for s in result.steps:
        plan = s.new_inputs.get("training_plan")
        if isinstance(plan, Mapping) and s.op in ("create", "replace", "create-replacement"):
            out[str(s.new_inputs.get("name", "")).split(".")[-1].strip('"').upper()] = dict(plan)
    return out


def check_plan(preview: Any, up: Any, sql: list[str]) -> list[tuple[str, str]]:
    """Preview's operations and trainings against what the up right after it did."""
    out: list[tuple[str, str]] = []
    want = {n: op for n, op in preview.ops().items() if op not in ("same", "read")}
    did = {n: op for n, op in up.ops().items() if op not in ("same", "read")}
    if want != did:
        out.append(("plan differs from up", f"preview planned {want}, up did {did}"))
    trained = {c.model for s in sql if (c := parse_create(s)) is not None}
    for name, plan in planned(preview).items():
        if plan.get("action") in ("train", "retrain") and (plan.get("estimated_trained_tokens") or 0) > 0 \
                and name not in trained and up.ok:
            out.append(("plan differs from up", f"preview announced {plan['action']} of {name} "
                        f"({plan['estimated_trained_tokens']} tokens), up trained nothing"))
    for name in trained - set(planned(preview)):
        out.append(("plan differs from up", f"up trained {name}; preview announced no training of it"))
    return out


_RAISED = re.compile(r"\b([A-Z]\w*(?:Error|Conflict|Exception|Refused)): (.+)")
_ENGINE_SUMMARY = ("update failed", "preview failed", "refresh failed", "destroy failed", "Traceback",
                   "Resource monitor has terminated", "Exception calling application")


def first_error(result: Any) -> str:
    """The failure's own message (not the engine's summary line); says when a traceback came with it."""
    lines = [line.strip() for line in (str(result.stderr) + "\n" + str(result.stdout)).splitlines()]
    traceback = " (printed with a Python traceback)" if any("Traceback (most recent" in ln for ln in lines) else ""
    for i, line in enumerate(lines):
        if "error:" in line and not any(s in line for s in _ENGINE_SUMMARY):
            more = f" {lines[i + 1]}" if line.endswith("invalid stack config") and i + 1 < len(lines) else ""
            return (line[line.index("error:"):] + more)[:240] + traceback
    for line in lines:
        if (m := _RAISED.search(line)) is not None:
            return f"{m.group(1)}: {m.group(2)}"[:240] + traceback
    return (lines[-1] if lines else "(no output)")[:240] + traceback


def bills(ledger: Ledger, after: Snapshot, plans: Mapping[str, Mapping[str, Any]], step: int, stack: str,
          before: Snapshot) -> None:
    """Queue every new job of this step with the tokens its plan announced (checked once it finishes)."""
    for jid, info in after.jobs.items():
        if jid in before.jobs:
            continue
        model = str(info.get("model", "")).split(".")[-1].upper()
        plan = plans.get(model)
        tokens = plan.get("estimated_trained_tokens") if plan else None
        if isinstance(tokens, int):
            ledger.pending_bills.append((jid, model, tokens, step, stack))
        else:  # the plan said it could not count yet (a view created in the same up)
            ledger.counts["jobs without a planned figure"] = ledger.counts.get("jobs without a planned figure", 0) + 1


def settle_bills(ledger: Ledger, snap: Snapshot) -> list[tuple[int, str, str]]:
    """(step, invariant, detail) for queued jobs that finished; unfinished ones stay queued."""
    out, keep = [], []
    for jid, model, tokens, step, stack in ledger.pending_bills:
        info = snap.jobs.get(jid)
        if info is None or info.get("status") in RUNNING:
            keep.append((jid, model, tokens, step, stack))
        elif info.get("status") == "SUCCESS":
            ledger.counts["bills checked"] = ledger.counts.get("bills checked", 0) + 1
            if info.get("trained_tokens") == tokens:
                continue
            out.append((step, "bill differs from plan", f"job {jid} of {model} (stack {stack}) billed "
                        f"{info.get('trained_tokens')} trained tokens; the plan announced {tokens}"))
    ledger.pending_bills = keep
    return out
