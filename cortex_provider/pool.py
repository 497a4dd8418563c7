"""A few connections, each used by one caller at a time, for a Session shared by parallel callers.

The engine calls a provider's Read/Create/... on several threads at once. The connector's objects are not
safe to drive from two threads at the same time: parallel refresh Reads on ONE shared connection were
seen to deadlock inside the connector (result batch iteration and its logger). So every statement
checks a connection out for its execute + fetch and returns it after; at most `limit` are opened, and a
caller beyond that waits for one to come back. With the stub emulator a few connections and one are
about equally fast (docs/scale.md); several keep a long statement (a pre-flight over a big table) from
holding up every other resource.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

CONNECTIONS_ENV = "CORTEX_PROVIDER_CONNECTIONS"
DEFAULT_CONNECTIONS = 4


class Cursor(Protocol):
    description: Sequence[Any] | None

    def execute(self, command: str) -> Any: ...
    def fetchall(self) -> Sequence[Sequence[Any]]: ...
    def close(self) -> Any: ...


class Connection(Protocol):
    def cursor(self) -> Cursor: ...
    def close(self) -> Any: ...
    def is_closed(self) -> bool: ...


def connections_limit() -> int:
    """CORTEX_PROVIDER_CONNECTIONS (at least 1), else DEFAULT_CONNECTIONS."""
    raw = os.environ.get(CONNECTIONS_ENV, "").strip()
    if not raw:
        return DEFAULT_CONNECTIONS
    try:
        return max(1, int(raw))
    except ValueError:
        raise ValueError(f"{CONNECTIONS_ENV}={raw!r}: expected a whole number of connections (e.g. 4)") from None


class Pool:
    """Idle connections plus a count of open ones; `take` blocks while `limit` are in use."""

    def __init__(self, opener: Callable[[], Connection], limit: int) -> None:
        self._open_new = opener
        self.limit = max(1, limit)
        self._cond = threading.Condition()
        self._idle: list[Connection] = []
        self._open = 0  # idle + in use (+ being opened)
        self.opened = 0  # how many times a connection was opened (reconnects included)
        self.open_s = 0.0  # seconds spent opening them (logins)

    @property
    def last_idle(self) -> Connection | None:
        """The connection the next `take` returns, if one is idle."""
        with self._cond:
            return self._idle[-1] if self._idle else None

    def take(self) -> Connection:
        """A live connection for this caller alone: an idle one, a new one, or the next one returned."""
        while True:
            with self._cond:
                while not self._idle and self._open >= self.limit:
                    self._cond.wait()
                if self._idle:
                    conn = self._idle.pop()
                    if not _is_closed(conn):
                        return conn
                    self._open -= 1  # dead while idle: discard and look again
                    continue
                self._open += 1
            start = time.monotonic()
            try:
                conn = self._open_new()
            except BaseException:
                with self._cond:
                    self._open -= 1
                    self._cond.notify()
                raise
            with self._cond:
                self.opened += 1
                self.open_s += time.monotonic() - start
            return conn

    def give(self, conn: Connection) -> None:
        """Return a connection taken with `take` for the next caller."""
        with self._cond:
            self._idle.append(conn)
            self._cond.notify()

    def discard(self, conn: Connection) -> None:
        """Forget a taken connection that is dead (or suspect) and close it."""
        with self._cond:
            self._open -= 1
            self._cond.notify()
        _quiet_close(conn)

    def close(self) -> None:
        """Close the idle connections (ones in use go back idle when their callers finish)."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._cond.notify_all()
        for conn in idle:
            conn.close()


def _is_closed(conn: Connection) -> bool:
    try:
        return bool(conn.is_closed())
    except Exception:
        return True


def _quiet_close(conn: Connection) -> None:
    with contextlib.suppress(Exception):  # a dead connection may fail to close; it is discarded anyway
        conn.close()
