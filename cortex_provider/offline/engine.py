"""The engine's step logic for ``up``/``preview``: one registration in, one step out.

Per registration: Check (olds = prior inputs), then Diff against prior outputs/inputs; the
response (plus the ``replaceOnChanges``/``deleteBeforeReplace`` options, applied engine-side as
Pulumi does) picks create / same / update / replace. Replacement is create-before-delete: the old
copy stays in state marked ``delete`` and is deleted after the program finishes, with resources the
program no longer declares, in reverse dependency order. ``deleteBeforeReplace`` (option, or
the provider's Diff) deletes first. ``protect`` blocks delete and replace; ``retainOnDelete`` drops
from state without calling Delete. Steps run one at a time; after the first failure no new step
starts (Pulumi without ``--continue-on-error``).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from pulumi.runtime.proto import provider_pb2

from cortex_provider.offline import wire
from cortex_provider.offline.display import Display, Step
from cortex_provider.offline.monitor import Answer, Registration
from cortex_provider.offline.provider import ProviderError, ProviderServer
from cortex_provider.offline.stackref import StackReferenceError, read_reference
from cortex_provider.offline.state import ResourceState, StackState

DYNAMIC_PREFIX = "pulumi-python:dynamic"
_T = TypeVar("_T")


class StepError(Exception):
    """A step could not be carried out; the message is what the user sees."""


class Deployment:
    def __init__(self, state: StackState, provider: Callable[[], ProviderServer], display: Display,
                 *, preview: bool) -> None:
        self.state = state
        self.preview = preview
        self.display = display
        self.steps: list[Step] = []
        self.errors: list[str] = []
        self.stack_outputs: wire.Props = {}
        self.current: str = ""
        self._provider = provider
        self._registered: set[str] = set()
        self._lock = threading.Lock()

    # -- program callbacks (called from the SDK's threads) -------------------------------------
    def register(self, reg: Registration) -> Answer:
        with self._lock:
            self._registered.add(reg.urn)
            if self.errors:
                return Answer(failed=True)
            try:
                return self._register(reg)
            except (StepError, ProviderError) as exc:
                text = exc.message if isinstance(exc, ProviderError) else str(exc)
                self.fail(f"{reg.name} ({reg.type}): {text}")
                return Answer(failed=True)

    def register_outputs(self, urn: str, outputs: wire.Props) -> None:
        with self._lock:
            if urn.split("::")[2] == "pulumi:pulumi:Stack":
                self.stack_outputs = outputs
            res = self.state.resources.get(urn)
            if res is not None and not self.preview:
                res.outputs = outputs
                self.state.save()

    def read(self, urn: str, type_: str, id_: str, _props: wire.Props) -> Answer:
        """A read: only StackReferences (from this backend's state dir); not recorded in state."""
        with self._lock:
            name = urn.rsplit("::", 1)[-1]
            if self.errors:
                return Answer(failed=True)
            try:
                props = read_reference(self.state.path.parent, type_, id_)
            except StackReferenceError as exc:
                self.fail(f"{name} ({type_}): {exc}")
                return Answer(failed=True)
            self.display.emit(f"{'':>2} {'read':<10} {name}  ({type_})")
            return Answer(id_, props)

    def fail(self, text: str) -> None:
        self.errors.append(text)
        self.display.error(text)

    # -- one registration ----------------------------------------------------------------------
    def _register(self, reg: Registration) -> Answer:
        old = self.state.resources.get(reg.urn)
        if not reg.custom:
            return self._component(reg, old)
        if not reg.type.startswith(DYNAMIC_PREFIX):
            raise StepError("the offline runner supports only pulumi.dynamic resources and "
                            "ComponentResources; this resource needs `pulumi up` with its provider plugin")
        news = dict(reg.inputs)
        if wire.PROVIDER_KEY in news:
            news[wire.PROVIDER_KEY] = wire.plain(news[wire.PROVIDER_KEY])
        if old is not None:
            for key in reg.ignore_changes:  # engine-side: keep the old value of ignored properties
                if key in old.inputs:
                    news[key] = old.inputs[key]
        secret_in = wire.secret_keys(news) - {wire.PROVIDER_KEY}
        checked, failures = self._provider().check(reg.urn, old.inputs if old else {}, news)
        if failures:
            raise StepError("check failed: " + "; ".join(failures))
        checked = wire.rewrap(checked, secret_in)
        new = ResourceState(
            urn=reg.urn, type=reg.type, custom=True, parent=reg.parent, inputs=checked,
            dependencies=reg.dependencies, protect=reg.protect, retain_on_delete=reg.retain_on_delete,
            delete_before_replace=bool(reg.delete_before_replace), timeouts=dict(reg.timeouts),
        )
        secret_out = secret_in | set(reg.additional_secret_outputs)
        if old is None or not old.custom:
            return self._create(reg, new, secret_out, Step("create", reg.urn, reg.type, True, new=checked))
        resp = self._provider().diff(reg.urn, old.id, old.outputs, old.inputs, checked, reg.ignore_changes)
        changed = wire.changed_keys(old.inputs, checked)
        if resp.changes == provider_pb2.DiffResponse.DIFF_NONE or (
            resp.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN and not changed
        ):
            return self._same(reg, old, new)
        replaces = list(resp.replaces)
        if "*" in reg.replace_on_changes:
            replaces += changed
        replaces += [k for k in changed if k in reg.replace_on_changes]
        replaces = list(dict.fromkeys(replaces))
        shown = list(dict.fromkeys([*changed, *replaces])) or list(resp.diffs)
        shown = [k for k in shown if k != wire.PROVIDER_KEY] or shown  # provider code: only if alone
        if not replaces:
            step = Step("update", reg.urn, reg.type, True, shown, old.inputs, checked)
            return self._update(reg, old, new, secret_out, step)
        if old.protect or reg.protect:
            raise StepError("unable to replace resource: it is marked protect: true. To replace it, first "
                            "set protect: false and run up, then run up again")
        dbr = reg.delete_before_replace if reg.delete_before_replace is not None else resp.deleteBeforeReplace
        step = Step("replace", reg.urn, reg.type, True, shown, old.inputs, checked,
                    note="delete-before-replace" if dbr else "")
        if self.preview:
            return self._previewed(step, new, keep_id=False)
        if dbr:
            self.delete(old, record=False)
            return self._create(reg, new, secret_out, step)
        return self._create(reg, new, secret_out, step, replacing=old)

    def _component(self, reg: Registration, old: ResourceState | None) -> Answer:
        res = ResourceState(urn=reg.urn, type=reg.type, custom=False, parent=reg.parent,
                            dependencies=reg.dependencies, protect=reg.protect,
                            retain_on_delete=reg.retain_on_delete,
                            outputs=old.outputs if old is not None else {})
        self.steps.append(step := Step("same" if old is not None else "create", reg.urn, reg.type, False))
        self.display.step(step)
        if not self.preview:
            self.state.put(res)
            self.state.save()
        return Answer()

    def _same(self, reg: Registration, old: ResourceState, new: ResourceState) -> Answer:
        new.id, new.outputs = old.id, old.outputs
        self.steps.append(step := Step("same", reg.urn, reg.type, True))
        self.display.step(step)
        if not self.preview:
            self.state.put(new)
            self.state.save()
        return Answer(old.id, old.outputs)

    def _previewed(self, step: Step, new: ResourceState, *, keep_id: bool, old_id: str = "") -> Answer:
        """Preview: the engine answers with the checked inputs; other outputs resolve unknown."""
        self.steps.append(step)
        self.display.step(step)
        return Answer(old_id if keep_id else "", new.inputs)

    def _create(self, reg: Registration, new: ResourceState, secret_out: set[str], step: Step,
                replacing: ResourceState | None = None) -> Answer:
        if self.preview:
            return self._previewed(step, new, keep_id=False)
        op = self.state.begin(new, "creating")
        try:
            new.id, outs = self._timed(step, "creating", lambda: self._provider().create(
                reg.urn, new.inputs, _seconds(reg.timeouts.get("create"))))
        finally:
            self.state.end(op)
            self.state.save()
        new.outputs = wire.rewrap(outs, secret_out)
        if replacing is not None:  # create-before-delete: the old copy waits for the delete phase
            self.state.drop(replacing)
            replacing.delete = True
            self.state.put(replacing)
        self.state.put(new)
        self.state.save()
        self._record(step)
        return Answer(new.id, new.outputs)

    def _update(self, reg: Registration, old: ResourceState, new: ResourceState, secret_out: set[str],
                step: Step) -> Answer:
        if self.preview:
            return self._previewed(step, new, keep_id=True, old_id=old.id)
        op = self.state.begin(old, "updating")
        try:
            outs = self._timed(step, "updating", lambda: self._provider().update(
                reg.urn, old.id, old.outputs, old.inputs, new.inputs,
                _seconds(reg.timeouts.get("update")), reg.ignore_changes))
        finally:
            self.state.end(op)
            self.state.save()
        new.id, new.outputs = old.id, wire.rewrap(outs, secret_out)
        self.state.put(new)
        self.state.save()
        self._record(step)
        return Answer(new.id, new.outputs)

    # -- deletes ---------------------------------------------------------------------------------
    def pending_deletes(self) -> list[ResourceState]:
        """Replaced copies and resources the program no longer declares, dependents first."""
        doomed = [r for r in self.state.resources.values() if r.delete or r.urn not in self._registered]
        return delete_order(doomed)

    def delete(self, res: ResourceState, *, record: bool = True) -> None:
        if res.protect:
            raise StepError(f"unable to delete {res.name} ({res.type}): it is marked protect: true. "
                            "Set protect: false and run up first")
        op_name = "delete-replaced" if res.delete else "delete"
        step = Step(op_name, res.urn, res.type, res.custom, old=res.outputs,
                    note="retained: Delete not called" if res.retain_on_delete and res.custom else "")
        if self.preview:
            self.steps.append(step)
            self.display.step(step)
            return
        if res.custom and not res.retain_on_delete:
            op = self.state.begin(res, "deleting")
            try:
                self._timed(step, "deleting", lambda: self._provider().delete(
                    res.urn, res.id, res.outputs, res.inputs, _seconds(res.timeouts.get("delete"))))
            finally:
                self.state.end(op)
                self.state.save()
        self.state.drop(res)
        self.state.save()
        if record:
            self._record(step)

    def _record(self, step: Step) -> None:
        self.steps.append(step)
        self.display.step(step)

    def _timed(self, step: Step, verb: str, call: Callable[[], _T]) -> _T:
        """Run a provider call, printing a start line and a heartbeat while it is slow."""
        self.current = step.name
        self.display.progress(step.name, f"{verb}...")
        done = threading.Event()
        start = time.monotonic()

        def heartbeat() -> None:
            while not done.wait(10.0):
                self.display.progress(step.name, f"still {verb} ({time.monotonic() - start:.0f}s)")

        threading.Thread(target=heartbeat, daemon=True).start()
        try:
            return call()
        finally:
            done.set()
            step.seconds = time.monotonic() - start
            self.current = ""


def delete_order(resources: list[ResourceState]) -> list[ResourceState]:
    """Reverse of creation order: a resource goes before everything it depends on (or is parented by)."""
    by_urn: dict[str, list[ResourceState]] = {}
    for res in resources:
        by_urn.setdefault(res.urn, []).append(res)
    seen: set[str] = set()
    created: list[ResourceState] = []

    def visit(res: ResourceState) -> None:
        if res.key in seen:
            return
        seen.add(res.key)
        for dep in [*res.dependencies, res.parent]:
            for target in by_urn.get(dep, []):
                visit(target)
        created.append(res)

    for res in resources:
        visit(res)
    return created[::-1]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def _seconds(duration: str | None) -> float:
    """A Go duration string ("5m", "1h30m") as seconds; 0 means "the provider's default"."""
    if not duration:
        return 0.0
    return sum(float(n) * _UNIT[u] for n, u in _DURATION.findall(duration))

