"""One Snowflake connection per provider process, with bounded retries and scrubbed errors.

`Session.execute(stmt)` runs a typed Statement and returns rows as dicts keyed by upper-cased
column names. Transient failures (connection reset, HTTP 5xx, dropped session, connector network
errnos) are retried with capped exponential backoff; a dropped connection is reopened first.
Statements that are not idempotent (FINETUNE CREATE) are retried only when the failure happened
before they were sent (while connecting). Everything else surfaces as SnowflakeStatementError
with Snowflake's message, errno, sqlstate and the statement kind, scrubbed of the secrets.
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from cortex_provider.errors import ParseError, SnowflakeStatementError
from cortex_provider.settings import ConnectionSettings
from cortex_provider.sql.rows import Rows, rows_from_cursor
from cortex_provider.sql.statement import Statement

# Connector/GS error numbers worth another attempt (snowflake.connector.errorcode, network.py).
RETRYABLE_ERRNOS = frozenset(
    {
        250001,  # ER_FAILED_TO_CONNECT_TO_DB
        250002,  # ER_CONNECTION_IS_CLOSED
        250003,  # ER_FAILED_TO_REQUEST (HTTP failure after the connector's own retries)
        250005,  # ER_FAILED_TO_SERVER
        251011,  # ER_CONNECTION_TIMEOUT
        251012,  # ER_RETRYABLE_CODE
        252007,  # ER_FAILED_TO_RENEW_SESSION
        390110,
        390111,
        390112,
        390114,  # id token expired, session gone, session expired, master token expired
    }
)
# Of those, the ones that mean the connection itself is dead and must be reopened.
RECONNECT_ERRNOS = frozenset({250002, 252007, 390110, 390111, 390112, 390114})
_HTTP_5XX = re.compile(
    r"\bHTTP (5\d\d)\b|\b(50[0-4]) (Internal Server Error|Bad Gateway|Service Unavailable)"
)
_RETRYABLE_CLASSES = {
    "OperationalError",
    "InterfaceError",
    "InternalServerError",
    "ServiceUnavailableError",
    "GatewayTimeoutError",
    "BadGatewayError",
    "OtherHTTPRetryableError",
    "TooManyRequests",
    "RequestTimeoutError",
}


class Cursor(Protocol):
    description: Sequence[Any] | None

    def execute(self, command: str) -> Any: ...
    def fetchall(self) -> Sequence[Sequence[Any]]: ...
    def close(self) -> Any: ...


class Connection(Protocol):
    def cursor(self) -> Cursor: ...
    def close(self) -> Any: ...
    def is_closed(self) -> bool: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.1  # fraction of the delay added at random

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        base: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return base * (1 + self.jitter * rand())


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


def classify(exc: BaseException) -> tuple[bool, bool]:
    """(retryable, reconnect) for an exception raised by the driver."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True, True
    errno = getattr(exc, "errno", None)
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    if isinstance(errno, int) and errno in RETRYABLE_ERRNOS:
        return True, errno in RECONNECT_ERRNOS
    if sqlstate.startswith("08"):  # SQLSTATE class 08: connection exception
        return True, True
    if isinstance(errno, int) and 290500 <= errno <= 290599:  # ER_HTTP_GENERAL_ERROR + 5xx
        return True, False
    message = str(getattr(exc, "msg", None) or exc)
    if _HTTP_5XX.search(message):
        return True, False
    if type(exc).__name__ in _RETRYABLE_CLASSES and type(exc).__module__.startswith("snowflake."):
        return True, type(exc).__name__ == "InterfaceError"
    return False, False


def _default_connect(settings: ConnectionSettings) -> Connection:
    import snowflake.connector

    return cast(Connection, snowflake.connector.connect(**settings.connect_kwargs()))


class Session:
    """A lazily opened, self-healing connection that runs Statements."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        connect: Callable[[ConnectionSettings], Connection] = _default_connect,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        observer: StatementObserver | None = None,
    ) -> None:
        self.settings = settings
        self._connect = connect
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.observers: list[StatementObserver] = [observer] if observer else []
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self.connects = 0  # how many times a connection was opened (reconnects included)

    def __repr__(self) -> str:
        s = self.settings
        state = "connected" if self._conn is not None else "idle"
        return f"Session(account={s.account!r}, user={s.user!r}, role={s.role!r}, {state})"

    # -- connection management -------------------------------------------------------------
    def _connection(self) -> Connection:
        with self._lock:
            conn = self._conn
            if conn is not None and _is_closed(conn):
                self._conn = conn = None
            if conn is None:
                conn = self._connect(self.settings)
                self._conn = conn
                self.connects += 1
            return conn

    def _drop(self, conn: Connection) -> None:
        with self._lock:
            if self._conn is conn:
                self._conn = None
        with contextlib.suppress(Exception):  # a dead connection may fail to close; it is discarded anyway
            conn.close()

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

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
        while True:
            attempt += 1
            sent = connected = False
            started = time.monotonic()
            try:
                conn = self._connection()
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
                if reconnect and self._conn is not None:
                    self._drop(self._conn)
                may_retry = retryable and (stmt.idempotent or not sent)
                if not may_retry or attempt >= self.retry.max_attempts:
                    raise self._wrap(stmt, exc, attempt, connected) from None
                self._sleep(self.retry.delay(attempt))
                continue
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
              connected: bool = True) -> SnowflakeStatementError:
        raw = getattr(exc, "raw_msg", None) or getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        if not connected:  # say where we tried: a wrong host/port/account is the usual cause
            raw = (f"could not connect to {self.settings.endpoint()}: {raw}. Fix: check cortex:host, "
                   "cortex:port and cortex:account (or SNOWFLAKE_HOST/SNOWFLAKE_PORT/SNOWFLAKE_ACCOUNT) "
                   "and that the server is reachable")
        errno = getattr(exc, "errno", None)
        sqlstate = getattr(exc, "sqlstate", None)
        return SnowflakeStatementError(
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


def _is_closed(conn: Connection) -> bool:
    try:
        return bool(conn.is_closed())
    except Exception:
        return True


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
