"""Per-process cache of SHOW results, so a refresh of many resources costs few round trips.

Reads are scoped by object, not by resource: every grant on schema D.S (to any role) comes from
one `SHOW GRANTS ON SCHEMA D.S`, every CORTEX_USER grant from one `SHOW GRANTS OF DATABASE ROLE
SNOWFLAKE.CORTEX_USER`, every view of a schema from one `SHOW VIEWS IN SCHEMA`. A refresh of N
grants on a handful of objects therefore costs a handful of SHOWs, not N.

Entries are keyed by Session (weakly) and scope, expire after `ttl_s`, and are dropped by this
process's own writes (`invalidate`), so a read after our own GRANT/CREATE sees it. A scope whose
object does not exist (errno 2003/2043) is cached as `None`. The provider process lives for one
Pulumi operation, so the TTL only bounds staleness within a long run.

The engine runs Reads in parallel, so many of them miss the same scope at once: the first sends the
SHOW and the others wait for its answer (one SHOW per object and kind, not one per thread). A write
while that SHOW is in flight keeps its answer out of the cache (it may predate the write).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.session import Session
from cortex_provider.sql.grants import CORTEX_USER, GrantTarget, ShowGrants
from cortex_provider.sql.identifiers import SchemaName
from cortex_provider.sql.parse_show import GrantRow, ViewInfo, parse_grants, parse_views
from cortex_provider.sql.statement import Statement
from cortex_provider.sql.views import ShowViews

# "Object does not exist or not authorized" / "does not exist or operation cannot be performed".
MISSING_ERRNOS = frozenset({2003, 2043})
Rows = list[dict[str, Any]]


def is_missing(exc: SnowflakeStatementError) -> bool:
    return exc.errno in MISSING_ERRNOS


Parser = Callable[[Rows], list[Any]]


@dataclass
class _Entry:
    rows: Rows | None
    at: float
    # each parser's result for these rows: a refresh of N grants reads one SHOW of N rows N times, and
    # parsing it every time was quadratic (8.6 ms per Read at 1,000 grants)
    parsed: dict[Parser, list[Any]] = field(default_factory=dict)


@dataclass
class _Flight:
    """A SHOW on its way: its sender fills rows or error, then sets `done` for the callers waiting."""

    generation: int
    done: threading.Event = field(default_factory=threading.Event)
    rows: Rows | None = None
    error: BaseException | None = None


@dataclass
class _Scopes:
    """One session's cached answers, SHOWs in flight, and per-scope write counts."""

    entries: dict[Hashable, _Entry] = field(default_factory=dict)
    flights: dict[Hashable, _Flight] = field(default_factory=dict)
    generations: dict[Hashable, int] = field(default_factory=dict)


def _show(session: Session, stmt: Statement) -> Rows | None:
    try:
        return session.execute(stmt)
    except SnowflakeStatementError as exc:
        if not is_missing(exc):
            raise
        return None


class ShowCache:
    def __init__(self, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._by_session: weakref.WeakKeyDictionary[Session, _Scopes] = weakref.WeakKeyDictionary()
        self.hits = 0
        self.misses = 0  # SHOWs sent
        self.joined = 0  # misses that waited for a SHOW already in flight instead of sending one

    def rows(self, session: Session, scope: Hashable, stmt: Statement) -> Rows | None:
        """Rows of `stmt` (cached under `scope`), or None when its object does not exist."""
        if self.ttl_s <= 0:  # caching off: every read sends its own SHOW
            with self._lock:
                self.misses += 1
            return _show(session, stmt)
        with self._lock:
            scopes = self._by_session.setdefault(session, _Scopes())
            entry = scopes.entries.get(scope)
            if entry is not None and self._clock() - entry.at < self.ttl_s:
                self.hits += 1
                return entry.rows
            flight = scopes.flights.get(scope)
            if flight is None:
                flight = scopes.flights[scope] = _Flight(scopes.generations.get(scope, 0))
                self.misses += 1
                sender = True
            else:
                self.joined += 1
                sender = False
        if not sender:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.rows
        now = self._clock()
        try:
            flight.rows = _show(session, stmt)
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                if scopes.flights.get(scope) is flight:
                    del scopes.flights[scope]
                if flight.error is None and scopes.generations.get(scope, 0) == flight.generation:
                    scopes.entries[scope] = _Entry(flight.rows, now)
            flight.done.set()
        return flight.rows

    def add_row(self, session: Session, scope: Hashable, row: dict[str, Any]) -> None:
        """A write of ours added `row` to what the scope's SHOW lists: extend the cached answer (when
        there is one and no SHOW is in flight), so the next read needs no new SHOW; else drop it."""
        with self._lock:
            state = self._by_session.get(session)
            if state is None:
                return
            entry = state.entries.get(scope)
            if entry is None or entry.rows is None or scope in state.flights:
                self._drop(state, scope)
                return
            entry.rows = [*entry.rows, row]  # a new list: callers may still hold the old one
            entry.parsed = {parse: [*done, *parse([row])] for parse, done in entry.parsed.items()}

    def parsed(self, session: Session, scope: Hashable, stmt: Statement, parse: Parser) -> list[Any] | None:
        """`parse` of the scope's rows (as `rows`), parsed once per cached answer; None when missing."""
        rows = self.rows(session, scope, stmt)
        if rows is None:
            return None
        with self._lock:
            state = self._by_session.get(session)
            entry = state.entries.get(scope) if state is not None else None
            memo = entry.parsed if entry is not None and entry.rows is rows else None
            if memo is not None and parse in memo:
                return memo[parse]
        value = parse(rows)
        if memo is not None:
            with self._lock:
                memo.setdefault(parse, value)
        return value

    def invalidate(self, session: Session, *scopes: Hashable) -> None:
        with self._lock:
            state = self._by_session.get(session)
            if state is None:
                return
            for scope in scopes:
                self._drop(state, scope)

    @staticmethod
    def _drop(state: _Scopes, scope: Hashable) -> None:
        state.entries.pop(scope, None)
        state.flights.pop(scope, None)  # later readers send a fresh SHOW
        state.generations[scope] = state.generations.get(scope, 0) + 1

    def clear(self) -> None:
        with self._lock:
            self._by_session.clear()
            self.hits = self.misses = self.joined = 0


# CORTEX_SHOW_CACHE_TTL_S=0 turns caching off (every read sends its own SHOW; benchmarks compare).
SHOW_CACHE = ShowCache(ttl_s=float(os.environ.get("CORTEX_SHOW_CACHE_TTL_S", "300")))


def grants_scope(target: GrantTarget) -> Hashable:
    return ("GRANTS ON", target.object_type.value, target.name.sql())


CORTEX_USER_SCOPE: Hashable = ("GRANTS OF DATABASE ROLE", CORTEX_USER.sql())


def views_scope(schema: SchemaName) -> Hashable:
    return ("VIEWS IN", schema.sql())


def grants_on(session: Session, target: GrantTarget) -> list[GrantRow] | None:
    """Every grant on `target` (to any grantee); None when the object does not exist."""
    return SHOW_CACHE.parsed(session, grants_scope(target), ShowGrants(on=target), parse_grants)


def cortex_user_grants(session: Session) -> list[GrantRow]:
    """Every grant of SNOWFLAKE.CORTEX_USER (to any role)."""
    stmt = ShowGrants(of_database_role=CORTEX_USER)
    return SHOW_CACHE.parsed(session, CORTEX_USER_SCOPE, stmt, parse_grants) or []


def views_in(session: Session, schema: SchemaName) -> list[ViewInfo] | None:
    return SHOW_CACHE.parsed(session, views_scope(schema), ShowViews(schema), parse_views)


def write(session: Session, stmt: Statement, *scopes: Hashable) -> Rows:
    """Run a write and drop the cached SHOW results it changes (also when it fails midway)."""
    try:
        return session.execute(stmt)
    finally:
        SHOW_CACHE.invalidate(session, *scopes)


def write_adding(session: Session, stmt: Statement, scope: Hashable, row: dict[str, Any]) -> Rows:
    """Run a write whose whole effect on one SHOW is `row` (a GRANT that adds one grantee): the cached
    answer grows by that row instead of being dropped, so N grants in one `up` cost one SHOW of the
    grantee list, not N SHOWs of a list growing to N rows. A failed write drops the scope."""
    try:
        result = session.execute(stmt)
    except BaseException:
        SHOW_CACHE.invalidate(session, scope)
        raise
    SHOW_CACHE.add_row(session, scope, row)
    return result
