"""Session: rows by name, retry policy, reconnects, error wrapping and secret hygiene (fake driver)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from snowflake.connector import errors as sf

from cortex_provider.connection_settings import ConnectionSettings
from cortex_provider.errors import ParseError, SnowflakeStatementError
from cortex_provider.retry import RetryPolicy, classify
from cortex_provider.session import (
    Session,
    StatementEvent,
    close_all_sessions,
    get_session,
)
from cortex_provider.sql.finetune import FinetuneCreate, FinetuneShow
from cortex_provider.sql.grants import ShowGrants
from cortex_provider.sql.identifiers import Identifier, QualifiedName
from cortex_provider.sql.statement import UserQuery

PASSWORD = "Hunter2-very-secret"
SETTINGS = ConnectionSettings(account="acct", user="u", password=PASSWORD)  # type: ignore[arg-type]
SHOW = ShowGrants(to_role=Identifier.parse("r"))

Step = Callable[[str], tuple[list[str], list[tuple[Any, ...]]]]


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self.description: Sequence[Any] | None = None
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, command: str) -> None:
        self.conn.executed.append(command)
        step = self.conn.script.pop(0)
        if isinstance(step, BaseException):
            if getattr(step, "kills_connection", False):
                self.conn.closed = True
            raise step
        cols, rows = step
        self.description = [(c, 2, None, None, None, None, True) for c in cols] if cols else None
        self._rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def close(self) -> None:
        pass


class FakeConnection:
    def __init__(self, script: list[Any], executed: list[str]) -> None:
        self.script = script
        self.executed = executed
        self.closed = False

    def cursor(self) -> FakeCursor:
        if self.closed:
            raise sf.InterfaceError(msg="Connection is closed", errno=250002)
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True

    def is_closed(self) -> bool:
        return self.closed


def make(
    script: list[Any], **kwargs: Any
) -> tuple[Session, list[str], list[float], list[ConnectionSettings]]:
    executed: list[str] = []
    sleeps: list[float] = []
    opened: list[ConnectionSettings] = []

    def connect(settings: ConnectionSettings) -> FakeConnection:
        opened.append(settings)
        if script and isinstance(script[0], tuple) and script[0][0] == "CONNECT-FAIL":
            raise script.pop(0)[1]
        return FakeConnection(script, executed)

    retry = kwargs.pop("retry", RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=1.5, jitter=0.0))
    session = Session(SETTINGS, connect=connect, retry=retry, sleep=sleeps.append, **kwargs)
    return session, executed, sleeps, opened


def test_rows_are_dicts_keyed_by_upper_case_names() -> None:
    session, executed, _, opened = make([(["privilege", "Name"], [("USAGE", "D"), ("OWNERSHIP", "E")])])
    assert session.execute(SHOW) == [
        {"PRIVILEGE": "USAGE", "NAME": "D"},
        {"PRIVILEGE": "OWNERSHIP", "NAME": "E"},
    ]
    assert executed == ["SHOW GRANTS TO ROLE R"] and len(opened) == 1


def test_connection_is_reused_and_query_one() -> None:
    session, _, _, opened = make([([], []), (["JOBS"], [("[]",)]), (["A"], [(1,), (2,)])])
    assert session.execute(SHOW) == []
    assert session.query_one(FinetuneShow()) == {"JOBS": "[]"}
    with pytest.raises(ParseError, match="at most one row"):
        session.query_one(SHOW)
    assert len(opened) == 1


def test_transient_errors_retry_with_bounded_backoff() -> None:
    script = [
        sf.OperationalError(msg="HTTP 503: Service Unavailable", errno=250003),
        ConnectionResetError("reset by peer"),
        sf.ProgrammingError(msg="HTTP 502 Bad Gateway"),
        (["X"], [(1,)]),
    ]
    events: list[StatementEvent] = []
    session, executed, sleeps, opened = make(script, observer=events.append)
    assert session.execute(SHOW) == [{"X": 1}]
    assert sleeps == [0.5, 1.0, 1.5]  # doubled, capped at max_delay
    assert len(executed) == 4
    assert len(opened) == 2  # the reset connection was dropped and reopened
    assert [e.attempt for e in events] == [1, 2, 3, 4]
    assert [e.error is None for e in events] == [False, False, False, True] and events[-1].rows == 1


def test_gives_up_after_max_attempts_with_context() -> None:
    script = [sf.OperationalError(msg="HTTP 500 Internal Server Error", errno=250003, sqlstate="08001")] * 4
    session, executed, sleeps, _ = make(list(script))
    with pytest.raises(SnowflakeStatementError) as info:
        session.execute(SHOW)
    err = info.value
    assert (err.kind, err.errno, err.sqlstate, err.attempts) == ("SHOW GRANTS", 250003, "08001", 4)
    assert len(executed) == 4 and len(sleeps) == 3
    assert "SHOW GRANTS failed after 4 attempts" in str(err)


def test_non_retryable_error_raised_at_once_with_snowflake_fields() -> None:
    exc = sf.ProgrammingError(
        msg="SQL compilation error: Role 'R' does not exist or not authorized.",
        errno=2003,
        sqlstate="02000",
        sfqid="01b2-abc",
    )
    session, executed, sleeps, _ = make([exc])
    with pytest.raises(SnowflakeStatementError) as info:
        session.execute(SHOW)
    err = info.value
    assert (err.kind, err.errno, err.sqlstate, err.sfqid) == ("SHOW GRANTS", 2003, "02000", "01b2-abc")
    assert err.message.startswith("SQL compilation error: Role 'R' does not exist")
    assert sleeps == [] and len(executed) == 1
    assert info.value.__cause__ is None  # the driver exception (with its connection) is not chained


def test_dropped_session_reconnects() -> None:
    gone = sf.ProgrammingError(
        msg="Session no longer exists. New login required to access the service.", errno=390111
    )
    session, _, sleeps, opened = make([gone, (["A"], [(1,)])])
    assert session.execute(SHOW) == [{"A": 1}]
    assert len(opened) == 2 and len(sleeps) == 1


def test_closed_connection_detected_before_use() -> None:
    session, _, _, opened = make([(["A"], [(1,)]), (["A"], [(2,)])])
    session.execute(SHOW)
    assert session._conn is not None
    session._conn.close()
    assert session.execute(SHOW) == [{"A": 2}]
    assert len(opened) == 2 and session.connects == 2


def test_non_idempotent_statement_not_resent_after_ambiguous_failure() -> None:
    create = FinetuneCreate(
        QualifiedName.parse("d.s.m"), "mistral-7b", UserQuery("SELECT 1 AS prompt, 2 AS completion")
    )
    session, executed, _, _ = make([sf.OperationalError(msg="HTTP 503", errno=250003)])
    with pytest.raises(SnowflakeStatementError) as info:
        session.execute(create)
    assert info.value.kind == "FINETUNE CREATE" and len(executed) == 1


def test_non_idempotent_statement_retried_when_connect_failed() -> None:
    create = FinetuneCreate(
        QualifiedName.parse("d.s.m"), "mistral-7b", UserQuery("SELECT 1 AS prompt, 2 AS completion")
    )
    script: list[Any] = [
        ("CONNECT-FAIL", sf.OperationalError(msg="Could not connect", errno=250001)),
        (["JOB_ID"], [("ft_1",)]),
    ]
    session, executed, sleeps, opened = make(script)
    assert session.execute(create) == [{"JOB_ID": "ft_1"}]
    assert len(opened) == 2 and len(executed) == 1 and len(sleeps) == 1


def test_password_never_in_errors() -> None:
    leaky = sf.DatabaseError(
        msg=f"Incorrect username or password was specified: {PASSWORD}", errno=390100, sqlstate="08004"
    )
    session, _, _, _ = make([("CONNECT-FAIL", leaky)], retry=RetryPolicy(max_attempts=1))
    with pytest.raises(SnowflakeStatementError) as info:
        session.execute(SHOW)
    for text in (str(info.value), repr(info.value), info.value.message, repr(session)):
        assert PASSWORD not in text
    assert "***" in info.value.message and info.value.errno == 390100


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ConnectionResetError(), (True, True)),
        (TimeoutError(), (True, True)),
        (sf.OperationalError(msg="x", errno=250001), (True, False)),
        (sf.InterfaceError(msg="closed", errno=250002), (True, True)),
        (sf.ProgrammingError(msg="expired", errno=390112), (True, True)),
        (sf.ServiceUnavailableError(), (True, False)),
        (sf.ProgrammingError(msg="syntax error", errno=1003, sqlstate="42000"), (False, False)),
        (sf.DatabaseError(msg="x", errno=1, sqlstate="08001"), (True, True)),
        (ValueError("boom"), (False, False)),
    ],
)
def test_classify(exc: BaseException, expected: tuple[bool, bool]) -> None:
    assert classify(exc) == expected


def test_retry_delay_jitter_is_bounded() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0, jitter=0.5)
    assert policy.delay(1, rand=lambda: 0.0) == 1.0
    assert policy.delay(10, rand=lambda: 1.0) == 6.0


def test_execute_only_takes_statements() -> None:
    session, _, _, _ = make([])
    with pytest.raises(TypeError):
        session.execute("DROP DATABASE x")  # type: ignore[arg-type]


def test_get_session_caches_per_settings_identity() -> None:
    close_all_sessions()
    try:
        a = get_session(SETTINGS, connect=lambda s: FakeConnection([], []))
        b = get_session(ConnectionSettings(account="acct", user="u", password=PASSWORD))  # type: ignore[arg-type]
        c = get_session(ConnectionSettings(account="acct", user="u", password="other"))  # type: ignore[arg-type]
        assert a is b and a is not c
    finally:
        close_all_sessions()
    assert get_session(SETTINGS) is not a
    close_all_sessions()
