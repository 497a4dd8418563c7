"""One Snowflake connection per provider process, with bounded retries and scrubbed errors.

`Session.execute(stmt)` runs a typed Statement and returns rows as dicts keyed by upper-cased
column names. Transient failures (connection reset, HTTP 5xx, dropped session, connector network
errnos) are retried with capped exponential backoff; a dropped connection is reopened first.
Statements that are not idempotent (FINETUNE CREATE) are retried only when the failure happened
before they were sent (while connecting). Retries are bounded in attempts and in wall time
(`RetryPolicy.max_elapsed_s`; each attempt is itself bounded by the connector's login/network
timeouts, see settings.py), so a Snowflake that went away ends as SnowflakeUnreachable naming the URL
and the settings to change, within about two minutes. Everything else surfaces as SnowflakeStatementError
with Snowflake's message, errno, sqlstate and the statement kind, scrubbed of the secrets.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from cortex_provider.connection_settings import ConnectionSettings
from cortex_provider.errors import ParseError, SnowflakeStatementError, SnowflakeUnreachable
from cortex_provider.pool import Connection, Cursor, Pool, connections_limit
from cortex_provider.retry import RetryPolicy, bounded_backoff, classify
from cortex_provider.sql.rows import Rows, rows_from_cursor
from cortex_provider.sql.statement import Statement


@dataclass(frozen=True)
class StatementEvent:
    """One round trip, for observers (benchmarks count these)."""

    kind: str
    sql: str
    attempt: int
    elapsed_s: float
    rows: int | None
    error: BaseException | None


StatementObserver = Callable[[StatementEvent], None]


@dataclass(frozen=True)
class Column:
    """One result column: its name as printed and the connector's type code (2 = TEXT)."""

    name: str
    type_code: int | None


def _columns(description: Sequence[Any] | None) -> list[Column]:
    out = []
    for d in description or ():
        name = getattr(d, "name", None) or d[0]
        code = getattr(d, "type_code", None)
        if code is None and len(d) > 1:
            code = d[1]
        out.append(Column(str(name), code if isinstance(code, int) else None))
    return out


_CONNECTOR_IMPORT = threading.Lock()


def _default_connect(settings: ConnectionSettings) -> Connection:
    # Imported on first use, by one thread: parallel first imports of the connector failed with
    # KeyError: 'snowflake.connector' (pulumi/restore.py); a process sending no SQL never pays for it.
    with _CONNECTOR_IMPORT:
        import snowflake.connector

    kwargs = settings.connect_kwargs() | {"backoff_policy": bounded_backoff(settings.network_timeout)}
    return cast(Connection, snowflake.connector.connect(**kwargs))


class Session:
    """Lazily opened, self-healing connections that run Statements; safe for parallel callers (each
    statement's execute + fetch has a connection to itself, see pool.py)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        connect: Callable[[ConnectionSettings], Connection] = _default_connect,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        observer: StatementObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_connections: int | None = None,
    ) -> None:
        self.settings = settings
        self._connect = connect
        # The connector already retries within each request for network_timeout seconds: the session's
        # own retries add at most that much again (and never more than the policy's default budget).
        self.retry = retry or RetryPolicy(max_elapsed_s=min(RetryPolicy.max_elapsed_s, settings.network_timeout))
        self._sleep = sleep
        self._clock = clock
        self.observers: list[StatementObserver] = [observer] if observer else []
        limit = connections_limit() if max_connections is None else max_connections
        self._pool = Pool(lambda: self._connect(self.settings), limit)

    @property
    def connects(self) -> int:
        """How many times a connection was opened (reconnects included)."""
        return self._pool.opened

    @property
    def connect_seconds(self) -> float:
        """Seconds spent opening connections (logins)."""
        return self._pool.open_s

    @property
    def _conn(self) -> Connection | None:
        """The idle connection the next statement uses (tests look at it)."""
        return self._pool.last_idle

    def __repr__(self) -> str:
        s = self.settings
        state = "connected" if self._pool.opened else "idle"
        return f"Session(account={s.account!r}, user={s.user!r}, role={s.role!r}, {state})"

    def close(self) -> None:
        self._pool.close()

    # -- execution ---------------------------------------------------------------------------
    def execute(self, stmt: Statement) -> Rows:
        """Rows as dicts keyed by upper-cased column name; `.columns` lists the names (also with 0 rows)."""
        return self._run(stmt)[1]

    def describe(self, stmt: Statement) -> list[Column]:
        """The result's columns from cursor.description (e.g. of a LIMIT 0 shape probe)."""
        return self._run(stmt)[0]

    def _run(self, stmt: Statement) -> tuple[list[Column], Rows]:
        if not isinstance(stmt, Statement):
            raise TypeError(
                f"Session.execute takes a cortex_provider.sql Statement, not {type(stmt).__name__}"
            )
        sql = stmt.sql()
        attempt = 0
        first = self._clock()
        while True:
            attempt += 1
            sent = connected = False
            started = time.monotonic()
            conn: Connection | None = None
            try:
                conn = self._pool.take()
                connected = True
                cur = conn.cursor()
                try:
                    sent = True
                    cur.execute(sql)
                    rows = rows_from_cursor(cur.description, cur.fetchall() if cur.description else [])
                    columns = _columns(cur.description)
                finally:
                    _quiet_close(cur)
            except Exception as exc:
                self._notify(StatementEvent(stmt.kind, sql, attempt, time.monotonic() - started, None, exc))
                retryable, reconnect = classify(exc)
                if conn is not None:
                    (self._pool.discard if reconnect else self._pool.give)(conn)
                may_retry = retryable and (stmt.idempotent or not sent)
                delay = self.retry.delay(attempt)
                if not may_retry or self.retry.gives_up(attempt, self._clock() - first, delay):
                    elapsed = self._clock() - first if retryable else None
                    raise self._wrap(stmt, exc, attempt, connected, elapsed) from None
                self._sleep(delay)
                continue
            except BaseException:  # interrupted mid-statement: the connection's state is unknown
                if conn is not None:
                    self._pool.discard(conn)
                raise
            self._pool.give(conn)
            self._notify(StatementEvent(stmt.kind, sql, attempt, time.monotonic() - started, len(rows), None))
            return columns, rows

    def query_one(self, stmt: Statement) -> dict[str, Any] | None:
        """The single row of a one-row statement (None when empty; ParseError when several)."""
        rows = self.execute(stmt)
        if len(rows) > 1:
            raise ParseError(f"{stmt.kind}: expected at most one row, got {len(rows)}")
        return rows[0] if rows else None

    def _notify(self, event: StatementEvent) -> None:
        for observer in self.observers:
            observer(event)

    def _wrap(self, stmt: Statement, exc: BaseException, attempts: int,
              connected: bool = True, elapsed_s: float | None = None) -> SnowflakeStatementError:
        """Snowflake's error with the statement kind; a network failure (elapsed_s set) names the
        URL tried and the time limits to change."""
        raw = getattr(exc, "raw_msg", None) or getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        s = self.settings
        if not connected:  # say where we tried: a wrong host/port/account is the usual cause
            raw = (f"could not connect to {s.endpoint()}: {raw}. Fix: check cortex:host, "
                   "cortex:port and cortex:account (or SNOWFLAKE_HOST/SNOWFLAKE_PORT/SNOWFLAKE_ACCOUNT) "
                   f"and that the server is reachable (a login may take cortex:loginTimeout={s.login_timeout}s)")
        elif elapsed_s is not None:
            raw = (f"Snowflake at {s.endpoint()} did not answer: {raw}. Fix: check that it is reachable; "
                   f"each request may take cortex:networkTimeout={s.network_timeout}s "
                   f"(login cortex:loginTimeout={s.login_timeout}s; or SNOWFLAKE_NETWORK_TIMEOUT / "
                   "SNOWFLAKE_LOGIN_TIMEOUT)")
        if elapsed_s is not None:
            raw = f"{raw} [gave up after {elapsed_s:.0f}s]"
        errno = getattr(exc, "errno", None)
        sqlstate = getattr(exc, "sqlstate", None)
        error_type = SnowflakeUnreachable if elapsed_s is not None else SnowflakeStatementError
        return error_type(
            kind=stmt.kind,
            message=scrub(str(raw), self.settings.secrets()),
            errno=errno if isinstance(errno, int) and errno >= 0 else None,
            sqlstate=sqlstate if isinstance(sqlstate, str) and sqlstate not in ("", "n/a") else None,
            sfqid=getattr(exc, "sfqid", None),
            attempts=attempts,
        )


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _quiet_close(cur: Cursor) -> None:
    with contextlib.suppress(Exception):  # closing a cursor on a dead connection is best-effort
        cur.close()


_SESSIONS: dict[tuple[Any, ...], Session] = {}
_SESSIONS_LOCK = threading.Lock()


def get_session(settings: ConnectionSettings, **kwargs: Any) -> Session:
    """The process-wide Session for these settings (one connection, reused by every resource).

    kwargs (connect, retry, sleep, observer) apply only when the session is first created.
    """
    key = settings.cache_key()
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _SESSIONS[key] = Session(settings, **kwargs)
        return session


def close_all_sessions() -> None:
    """Close and forget every cached session (tests, provider shutdown)."""
    with _SESSIONS_LOCK:
        sessions = list(_SESSIONS.values())
        _SESSIONS.clear()
    for session in sessions:
        with contextlib.suppress(Exception):  # shutdown is best-effort
            session.close()
