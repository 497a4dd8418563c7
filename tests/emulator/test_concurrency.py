"""Two sessions driven from two threads at once: both make progress, nothing is lost or mixed up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.emulator.helpers import run


def test_two_sessions_two_threads(emulator):
    acct = emulator.new_account()
    setup = emulator.connect(account=acct)
    run(setup, "create database db")
    run(setup, "create table db.public.events (worker int, n int)")

    def work(worker: int) -> tuple[str | None, int]:
        conn = emulator.connect(account=acct, database="db", schema="public")
        for n in range(15):
            run(conn, "insert into events values (%s, %s)", (worker, n))
            run(conn, f"create role if not exists r_{worker}_{n % 3}")
            run(conn, f"grant role r_{worker}_{n % 3} to user admin")
        current = run(conn, "select current_schema()")[0][0]
        count = run(conn, "select count(*) from events where worker = %s", (worker,))[0][0]
        conn.close()
        return current, count

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(work, [1, 2]))
    assert results == [("PUBLIC", 15), ("PUBLIC", 15)]
    assert run(setup, "select count(*) from db.public.events") == [(30,)]
    roles = {r[1] for r in run(setup, "show roles like 'R\\_%'")}
    assert roles == {f"R_{w}_{i}" for w in (1, 2) for i in range(3)}


def test_one_connection_shared_by_two_threads(emulator):
    conn = emulator.connect(account=emulator.new_account())
    run(conn, "create database db")
    run(conn, "create table db.public.t (x int)")

    def insert(x: int) -> None:
        for i in range(10):
            run(conn, "insert into db.public.t values (%s)", (x * 100 + i,))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(insert, [1, 2]))
    assert run(conn, "select count(*) from db.public.t") == [(20,)]
