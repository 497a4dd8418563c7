"""Malformed and unsupported statements fail loudly with Snowflake-style errors; none is ignored."""

from __future__ import annotations

import pytest

from tests.emulator.helpers import fails, run


@pytest.fixture
def conn(emulator):
    return emulator.connect(account=emulator.new_account())


@pytest.mark.parametrize("sql", ["selec 1", "select from where", "create rol x", "grant usage on database"])
def test_malformed_sql_is_a_syntax_error(conn, sql):
    err = fails(conn, sql, 1003)
    assert err.sqlstate == "42000"


@pytest.mark.parametrize(
    "sql",
    [
        "create warehouse wh",
        "alter account set x = 1",
        "create database role db.r",
        "grant select on future tables in schema db.s to role r",
        "alter user admin set default_role = sysadmin",
        "alter model db.s.m set default_version = v1",
    ],
)
def test_unsupported_statements_fail_with_compilation_error(conn, sql):
    err = fails(conn, sql, 1003)
    assert "SQL compilation error:\n" in err.msg
    assert "not supported by the local emulator" in err.msg


def test_multiple_statements_in_one_request_are_refused(conn):
    fails(conn, "select 1; select 2", 8, "Actual statement count 2 did not match the desired statement count 1.")


def test_drop_role_never_crashes_the_server(conn):
    fails(conn, "drop role no_such_role", 2003)
    assert run(conn, "select 1") == [(1,)]


def test_missing_objects(conn):
    fails(conn, "select * from nodb.s.t", 2003)
    fails(conn, "use database nodb", 2043, "Object does not exist, or operation cannot be performed.")
    fails(conn, "drop database nodb", 2003, "Database 'NODB' does not exist or not authorized.")
    fails(conn, "describe model m", 1003, "does not have a current database")
