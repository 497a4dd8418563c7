"""Per-process cache of SHOW results, so a refresh of many resources costs few round trips.

Reads are scoped by object, not by resource: every grant on schema D.S (to any role) comes from
one `SHOW GRANTS ON SCHEMA D.S`, every CORTEX_USER grant from one `SHOW GRANTS OF DATABASE ROLE
SNOWFLAKE.CORTEX_USER`, every view of a schema from one `SHOW VIEWS IN SCHEMA`. A refresh of N
grants on a handful of objects therefore costs a handful of SHOWs, not N.

Entries are keyed by Session (weakly) and scope, expire after `ttl_s`, and are dropped by this
process's own writes (`invalidate`), so a read after our own GRANT/CREATE sees it. A scope whose
object does not exist (errno 2003/2043) is cached as `None`. The provider process lives for one
Pulumi operation, so the TTL only bounds staleness within a long run.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
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


@dataclass
class _Entry:
    rows: Rows | None
    at: float


class ShowCache:
    def __init__(self, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._by_session: weakref.WeakKeyDictionary[Session, dict[Hashable, _Entry]] = (
            weakref.WeakKeyDictionary()
        )
        self.hits = 0
        self.misses = 0

    def rows(self, session: Session, scope: Hashable, stmt: Statement) -> Rows | None:
        """Rows of `stmt` (cached under `scope`), or None when its object does not exist."""
        now = self._clock()
        with self._lock:
            entry = self._by_session.get(session, {}).get(scope)
            if entry is not None and now - entry.at < self.ttl_s:
                self.hits += 1
                return entry.rows
        self.misses += 1
        try:
            rows: Rows | None = session.execute(stmt)
        except SnowflakeStatementError as exc:
            if not is_missing(exc):
                raise
            rows = None
        with self._lock:
            self._by_session.setdefault(session, {})[scope] = _Entry(rows, now)
        return rows

    def invalidate(self, session: Session, *scopes: Hashable) -> None:
        with self._lock:
            entries = self._by_session.get(session)
            for scope in scopes:
                if entries is not None:
                    entries.pop(scope, None)

    def clear(self) -> None:
        with self._lock:
            self._by_session.clear()
            self.hits = self.misses = 0


# CORTEX_SHOW_CACHE_TTL_S=0 turns caching off (every read sends its own SHOW; benchmarks compare).
SHOW_CACHE = ShowCache(ttl_s=float(os.environ.get("CORTEX_SHOW_CACHE_TTL_S", "300")))


def grants_scope(target: GrantTarget) -> Hashable:
    return ("GRANTS ON", target.object_type.value, target.name.sql())


CORTEX_USER_SCOPE: Hashable = ("GRANTS OF DATABASE ROLE", CORTEX_USER.sql())


def views_scope(schema: SchemaName) -> Hashable:
    return ("VIEWS IN", schema.sql())


def grants_on(session: Session, target: GrantTarget) -> list[GrantRow] | None:
    """Every grant on `target` (to any grantee); None when the object does not exist."""
    rows = SHOW_CACHE.rows(session, grants_scope(target), ShowGrants(on=target))
    return None if rows is None else parse_grants(rows)


def cortex_user_grants(session: Session) -> list[GrantRow]:
    """Every grant of SNOWFLAKE.CORTEX_USER (to any role)."""
    rows = SHOW_CACHE.rows(session, CORTEX_USER_SCOPE, ShowGrants(of_database_role=CORTEX_USER))
    return parse_grants(rows or [])


def views_in(session: Session, schema: SchemaName) -> list[ViewInfo] | None:
    rows = SHOW_CACHE.rows(session, views_scope(schema), ShowViews(schema))
    return None if rows is None else parse_views(rows)


def write(session: Session, stmt: Statement, *scopes: Hashable) -> Rows:
    """Run a write and drop the cached SHOW results it changes (also when it fails midway)."""
    try:
        return session.execute(stmt)
    finally:
        SHOW_CACHE.invalidate(session, *scopes)
