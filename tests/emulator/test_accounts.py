"""Accounts: provisioning on first login, password checks, isolation, truthful CURRENT_*()."""

from __future__ import annotations

import pytest
from snowflake.connector.errors import DatabaseError, ProgrammingError

from tests.emulator.helpers import dicts, run


def test_first_login_provisions_account_with_admin(emulator):
    acct = emulator.new_account()
    conn = emulator.connect(account=acct, user="alice", password="s3cret")
    row = dicts(
        conn,
        "select current_account(), current_role(), current_user(), current_database(), "
        "current_schema(), current_organization_name()",
    )[0]
    assert list(row.values()) == [acct, "ACCOUNTADMIN", "ALICE", None, None, "LOCALORG"]
    grants = dicts(conn, "show grants to user alice")
    assert [(g["privilege"], g["granted_on"], g["role"]) for g in grants] == [("USAGE", "ROLE", "ACCOUNTADMIN")]


def test_wrong_password_is_rejected_with_390100(emulator):
    acct = emulator.new_account()
    emulator.connect(account=acct, user="admin", password="right").close()
    for user, password in (("admin", "wrong"), ("nobody", "right")):
        with pytest.raises(DatabaseError) as info:
            emulator.connect(account=acct, user=user, password=password)
        assert info.value.errno == 390100
        assert "Incorrect username or password was specified." in str(info.value)


def test_accounts_are_isolated(emulator):
    a, b = emulator.new_account(), emulator.new_account()
    ca, cb = emulator.connect(account=a), emulator.connect(account=b)
    run(ca, "create database shared_name")
    run(ca, "create table shared_name.public.t (x int)")
    run(ca, "insert into shared_name.public.t values (1)")
    run(ca, "create role only_in_a")
    assert "SHARED_NAME" not in [r[1] for r in run(cb, "show databases")]
    assert "ONLY_IN_A" not in [r[1] for r in run(cb, "show roles")]
    run(cb, "create database shared_name")
    with pytest.raises(ProgrammingError):
        run(cb, "select * from shared_name.public.t")
    assert run(ca, "select x from shared_name.public.t") == [(1,)]


def test_connect_with_database_schema_role_warehouse(emulator):
    acct = emulator.new_account()
    admin = emulator.connect(account=acct)
    run(admin, "create database d1")
    run(admin, "create schema d1.s1")
    sql = "select current_database(), current_schema(), current_role(), current_warehouse()"
    # SYSADMIN cannot use a database ACCOUNTADMIN owns until granted: the session starts without one
    conn = emulator.connect(account=acct, database="d1", schema="s1", role="SYSADMIN", warehouse="wh1")
    assert run(conn, sql) == [(None, None, "SYSADMIN", "WH1")]
    run(admin, "grant usage on database d1 to role sysadmin")
    run(admin, "grant usage on schema d1.s1 to role sysadmin")
    conn = emulator.connect(account=acct, database="d1", schema="s1", role="SYSADMIN", warehouse="wh1")
    assert run(conn, sql) == [("D1", "S1", "SYSADMIN", "WH1")]


def test_new_database_becomes_current_with_public_schema(emulator):
    conn = emulator.connect(account=emulator.new_account())
    assert run(conn, "create database d2") == [("Database D2 successfully created.",)]
    assert run(conn, "select current_database(), current_schema()") == [("D2", "PUBLIC")]
    assert run(conn, "create database if not exists d2") == [("D2 already exists, statement succeeded.",)]
    assert run(conn, "create schema if not exists d2.public") == [("PUBLIC already exists, statement succeeded.",)]
    with pytest.raises(ProgrammingError, match=r"Object 'D2' already exists\."):
        run(conn, "create database d2")


def test_login_with_role_not_granted_fails(emulator):
    acct = emulator.new_account()
    admin = emulator.connect(account=acct)
    run(admin, "create role r1")
    run(admin, "create user u1 password='pw1'")
    with pytest.raises(DatabaseError) as info:
        emulator.connect(account=acct, user="u1", password="pw1", role="r1")
    assert info.value.errno == 390189
    run(admin, "grant role r1 to user u1")
    conn = emulator.connect(account=acct, user="u1", password="pw1", role="r1")
    assert run(conn, "select current_role(), current_user()") == [("R1", "U1")]


def test_database_in_connect_string_that_does_not_exist_leaves_none(emulator):
    conn = emulator.connect(account=emulator.new_account(), database="missing")
    assert run(conn, "select current_database()") == [(None,)]
    assert "MISSING" not in [r[1] for r in run(conn, "show databases")]
