"""Parallel callers of one Session (the engine's concurrent Reads): each statement has a connection to
itself, at most the configured number are opened, and reads of one SHOW scope that miss together send one
SHOW (the others wait for its answer)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cortex_provider.connection_settings import ConnectionSettings
from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.pool import connections_limit
from cortex_provider.resources import grant_cache
from cortex_provider.resources.grant_cache import ShowCache
from cortex_provider.retry import RetryPolicy
from cortex_provider.session import Session
from cortex_provider.sql.grants import GrantTarget, ShowGrants
from cortex_provider.sql.identifiers import Identifier

SETTINGS = ConnectionSettings(account="acct", user="u", password="pw")  # type: ignore[arg-type]
ROLE_SHOW = ShowGrants(to_role=Identifier.parse("r"))
TARGET = GrantTarget.database(Identifier.parse("D"))


class SharedUseDetected(AssertionError):
    pass


class GuardedCursor:
    """Fails when another thread drives the same connection between execute and fetch (the connector
    is not safe for that: it deadlocked in result-batch iteration)."""

    def __init__(self, conn: GuardedConnection) -> None:
        self.conn = conn
        self.description: Sequence[Any] | None = None
        self._sql = ""

    def execute(self, command: str) -> None:
        if not self.conn.busy.acquire(blocking=False):
            self.conn.overlaps += 1
            raise SharedUseDetected("two threads on one connection at once")
        self._sql = command
        time.sleep(0.005)  # hold the connection long enough for a sharing caller to run into it
        self.description = [("SQL", 2, None, None, None, None, True)]

    def fetchall(self) -> list[tuple[Any, ...]]:
        self.conn.busy.release()
        return [(self._sql,)]

    def close(self) -> None:
        pass


class GuardedConnection:
    def __init__(self) -> None:
        self.busy = threading.Lock()
        self.overlaps = 0
        self.closed = False

    def cursor(self) -> GuardedCursor:
        return GuardedCursor(self)

    def close(self) -> None:
        self.closed = True

    def is_closed(self) -> bool:
        return self.closed


def guarded_session(monkeypatch: pytest.MonkeyPatch, limit: int) -> tuple[Session, list[GuardedConnection]]:
    monkeypatch.setenv("CORTEX_PROVIDER_CONNECTIONS", str(limit))
    opened: list[GuardedConnection] = []

    def connect(_settings: ConnectionSettings) -> GuardedConnection:
        opened.append(GuardedConnection())
        return opened[-1]

    no_retry = RetryPolicy(max_attempts=1)
    return Session(SETTINGS, connect=connect, retry=no_retry), opened  # type: ignore[arg-type]


def run_parallel(fn: Callable[[int], Any], n: int) -> list[Any]:
    start = threading.Barrier(n)

    def call(i: int) -> Any:
        start.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(call, range(n)))


@pytest.mark.parametrize("limit", [1, 3])
def test_parallel_callers_never_share_a_connection(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    session, opened = guarded_session(monkeypatch, limit)
    stmts = [ShowGrants(to_role=Identifier.parse(f"r{i}")) for i in range(8)]
    answers = run_parallel(lambda i: [session.execute(stmts[i]) for _ in range(10)], 8)
    for i, rows in enumerate(answers):  # every caller got its own statement's answer, all 10 times
        assert rows == [[{"SQL": stmts[i].sql()}]] * 10
    assert sum(c.overlaps for c in opened) == 0
    assert 1 <= len(opened) <= limit and session.connects == len(opened)


def test_a_dead_connection_frees_its_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    session, opened = guarded_session(monkeypatch, 1)
    session.execute(ROLE_SHOW)
    opened[0].close()  # dropped while idle: the next caller opens another (the limit is not used up)
    run_parallel(lambda _i: session.execute(ROLE_SHOW), 4)
    assert len(opened) == 2 and sum(c.overlaps for c in opened) == 0


def test_connections_limit_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORTEX_PROVIDER_CONNECTIONS", "2")
    assert connections_limit() == 2
    monkeypatch.setenv("CORTEX_PROVIDER_CONNECTIONS", "many")
    with pytest.raises(ValueError, match="CORTEX_PROVIDER_CONNECTIONS='many': expected a whole number"):
        connections_limit()


class SlowShows:
    """A Session stand-in whose SHOWs take a while; counts what was sent."""

    def __init__(self, answer: Callable[[int], Any], seconds: float = 0.3) -> None:
        self.answer, self.seconds = answer, seconds
        self.sent = 0
        self.started = threading.Event()
        self._lock = threading.Lock()

    def execute(self, _stmt: Any) -> Any:
        with self._lock:
            self.sent += 1
            n = self.sent
        self.started.set()
        time.sleep(self.seconds)
        return self.answer(n)


def grants_row(n: int) -> list[dict[str, Any]]:
    return [{"PRIVILEGE": "USAGE", "GRANTED_ON": "DATABASE", "NAME": "D", "GRANTEE_NAME": f"R{n}",
             "GRANTED_TO": "ROLE"}]


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> ShowCache:
    fresh = ShowCache(ttl_s=300)
    monkeypatch.setattr(grant_cache, "SHOW_CACHE", fresh)
    return fresh


def test_reads_that_miss_together_send_one_show(cache: ShowCache) -> None:
    session = SlowShows(grants_row)
    answers = run_parallel(lambda _i: grant_cache.grants_on(session, TARGET), 8)  # type: ignore[arg-type]
    assert session.sent == 1
    assert all(a == answers[0] for a in answers) and answers[0] and answers[0][0].grantee_name == "R1"
    assert grant_cache.grants_on(session, TARGET) == answers[0] and session.sent == 1  # then cached


def test_a_missing_object_is_one_show_for_all_waiters(cache: ShowCache) -> None:
    def missing(_n: int) -> Any:
        raise SnowflakeStatementError(kind="SHOW GRANTS", message="does not exist", errno=2003)

    session = SlowShows(missing)
    assert run_parallel(lambda _i: grant_cache.grants_on(session, TARGET), 6) == [None] * 6  # type: ignore[arg-type]
    assert session.sent == 1


def test_a_failed_show_fails_every_waiter_once(cache: ShowCache) -> None:
    def down(_n: int) -> Any:
        raise SnowflakeStatementError(kind="SHOW GRANTS", message="warehouse suspended", errno=606)

    session = SlowShows(down)

    def read(_i: int) -> str:
        try:
            grant_cache.grants_on(session, TARGET)  # type: ignore[arg-type]
        except SnowflakeStatementError as exc:
            return exc.message
        return "no error"

    assert run_parallel(read, 5) == ["warehouse suspended"] * 5 and session.sent == 1
    with pytest.raises(SnowflakeStatementError):
        grant_cache.grants_on(session, TARGET)  # type: ignore[arg-type]
    assert session.sent == 2


def test_a_write_during_a_show_keeps_its_answer_out_of_the_cache(cache: ShowCache) -> None:
    session = SlowShows(grants_row)
    reader = threading.Thread(target=grant_cache.grants_on, args=(session, TARGET))
    reader.start()
    assert session.started.wait(5)
    cache.invalidate(session, grant_cache.grants_scope(TARGET))  # our own GRANT landed meanwhile
    reader.join()
    fresh = grant_cache.grants_on(session, TARGET)  # type: ignore[arg-type]
    assert session.sent == 2 and fresh and fresh[0].grantee_name == "R2"


def test_cache_off_sends_every_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grant_cache, "SHOW_CACHE", ShowCache(ttl_s=0))
    session = SlowShows(grants_row, seconds=0.05)
    run_parallel(lambda _i: grant_cache.grants_on(session, TARGET), 4)  # type: ignore[arg-type]
    assert session.sent == 4


def test_a_cached_answer_is_parsed_once(cache: ShowCache) -> None:
    """A refresh of N grants reads one SHOW of N rows N times: it is parsed once (parsing it per Read
    was quadratic), and a GRANT of ours parses only the row it adds."""
    parsed: list[int] = []

    def parse(rows: list[dict[str, Any]]) -> list[Any]:
        parsed.append(len(rows))
        return [r["GRANTEE_NAME"] for r in rows]

    session = SlowShows(grants_row, seconds=0)
    scope = grant_cache.grants_scope(TARGET)
    stmt = ShowGrants(on=TARGET)
    reads = [cache.parsed(session, scope, stmt, parse) for _ in range(5)]  # type: ignore[arg-type]
    assert reads == [["R1"]] * 5 and parsed == [1]
    cache.add_row(session, scope, {"GRANTEE_NAME": "R9"})  # type: ignore[arg-type]
    assert cache.parsed(session, scope, stmt, parse) == ["R1", "R9"]  # type: ignore[arg-type]
    assert parsed == [1, 1] and session.sent == 1
