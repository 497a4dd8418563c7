"""Small helpers for emulator tests: run SQL, read rows as dicts, assert Snowflake errors."""

from __future__ import annotations

from typing import Any

import pytest
from snowflake.connector.errors import Error


def run(conn: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(sql, params)
    return list(cur.fetchall())


def dicts(conn: Any, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = conn.cursor()
    cur.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def columns(conn: Any, sql: str) -> list[str]:
    cur = conn.cursor()
    cur.execute(sql)
    return [d.name for d in cur.description]


def status(conn: Any, sql: str) -> str:
    rows = run(conn, sql)
    assert len(rows) == 1, rows
    return str(rows[0][0])


def fails(conn: Any, sql: str, errno: int, text: str | None = None, params: Any = None) -> Error:
    """Assert `sql` fails with Snowflake error `errno` (and `text` in the message)."""
    with pytest.raises(Error) as info:
        conn.cursor().execute(sql, params)
    err = info.value
    assert err.errno == errno, f"expected {errno}, got {err.errno}: {err.msg}"
    if text is not None:
        assert text in (err.msg or ""), err.msg
    return err


def admin_setup(conn: Any, db: str = "DB", schema: str = "S") -> None:
    """A database and schema owned by ACCOUNTADMIN."""
    run(conn, f"CREATE DATABASE {db}")
    run(conn, f"CREATE SCHEMA {db}.{schema}")
