"""Where the provider process spends its time, for bench/scale_floor.py (off unless asked for).

With CORTEX_PROVIDER_TIMINGS=<folder> set, each dynamic-provider process adds up the seconds of every
Check/Diff/Read/Create/Update/Delete call (its own work: validation, SQL, parsing), of the SQL inside
them, of opening connections and of restoring the pickled provider, and rewrites
<folder>/provider-<pid>.json with the totals at most twice a second and at exit (the engine may kill
the process, so the file is kept current rather than written once). Unset, `timed` costs one check.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cortex_provider.session import Session, StatementEvent

TIMINGS_ENV = "CORTEX_PROVIDER_TIMINGS"
_FOLDER = os.environ.get(TIMINGS_ENV)
_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # name -> [calls, seconds]
_observed: weakref.WeakSet[Session] = weakref.WeakSet()
_flushed = 0.0
_started = time.monotonic()


def enabled() -> bool:
    return _FOLDER is not None


def add(name: str, seconds: float) -> None:
    """Count one `name` call that took `seconds`."""
    global _flushed
    with _lock:
        entry = _totals.setdefault(name, [0.0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        now = time.monotonic()
        due = now - _flushed > 0.5
        if due:
            _flushed = now
    if due:
        flush()


@contextlib.contextmanager
def timed(name: str) -> Iterator[None]:
    if _FOLDER is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        add(name, time.perf_counter() - start)


_depth = threading.local()


def wrap_calls(cls: type, names: tuple[str, ...]) -> None:
    """Time each provider method in `names` that `cls` defines (the outermost call only: a subclass's
    check calling super().check counts once). Does nothing unless timings are on."""
    if _FOLDER is None:
        return
    for name in names:
        method = vars(cls).get(name)
        if method is not None:
            setattr(cls, name, _timed_method(name, method))


def _timed_method(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _depth.n = depth
            if depth == 0:
                add(name, time.perf_counter() - start)

    return call


def observe(session: Session) -> None:
    """Count the session's statements (SQL round trips, their seconds) and connections."""
    if _FOLDER is None or session in _observed:
        return
    with _lock:
        if session in _observed:
            return
        _observed.add(session)

    def on_statement(event: StatementEvent) -> None:
        add("sql", event.elapsed_s)

    session.observers.append(on_statement)


def flush() -> None:
    if _FOLDER is None:
        return
    with _lock:
        data = {name: {"calls": int(c), "seconds": round(s, 4)} for name, (c, s) in _totals.items()}
        sessions = list(_observed)
    data["connections"] = {"calls": sum(s.connects for s in sessions),
                           "seconds": round(sum(s.connect_seconds for s in sessions), 4)}
    data["process"] = {"calls": 1, "seconds": round(time.monotonic() - _started, 3)}
    data["cpu"] = {"calls": 1, "seconds": round(time.process_time(), 3)}  # the provider process's CPU
    path = Path(_FOLDER) / f"provider-{os.getpid()}.json"
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(OSError):  # a benchmark aid: never fail a provider call over it
        tmp.write_text(json.dumps(data))
        tmp.replace(path)


if _FOLDER is not None:
    atexit.register(flush)
