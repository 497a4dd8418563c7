"""Bound parameters in every style the connector offers, through the emulator."""

from __future__ import annotations

import snowflake.connector

from tests.emulator.helpers import run


def _conn(emulator, acct, paramstyle=None):
    kw = {"paramstyle": paramstyle} if paramstyle else {}
    return emulator.connect(account=acct, **kw)


def test_all_bind_styles(emulator):
    acct = emulator.new_account()
    conn = _conn(emulator, acct)
    run(conn, "create database db")
    run(conn, "create table db.public.t (id int, txt varchar)")
    run(conn, "insert into db.public.t values (%s, %s)", (1, "pyformat"))
    run(conn, "insert into db.public.t values (%(id)s, %(txt)s)", {"id": 2, "txt": "named-pyformat"})
    qmark = _conn(emulator, acct, "qmark")
    run(qmark, "insert into db.public.t values (?, ?)", (3, "qmark"))
    numeric = _conn(emulator, acct, "numeric")
    run(numeric, "insert into db.public.t values (:1, :2)", (4, "numeric"))
    cur = qmark.cursor()
    cur.executemany("insert into db.public.t values (?, ?)", [(5, "many"), (6, "many")])
    assert cur.rowcount == 2
    rows = run(qmark, "select id, txt from db.public.t where id >= ? order by id", (1,))
    assert rows == [
        (1, "pyformat"),
        (2, "named-pyformat"),
        (3, "qmark"),
        (4, "numeric"),
        (5, "many"),
        (6, "many"),
    ]
    assert snowflake.connector.paramstyle == "pyformat"
