"""A restart (SIGTERM, start again on the same data dir) loses nothing: tables and rows, views and
their DDL, roles, users and passwords, grants, ownership, models."""

from __future__ import annotations

import pytest
from snowflake.connector.errors import DatabaseError

from cortex_local.catalog import Catalog
from cortex_local.catalog_records import ModelRec
from tests.emulator.helpers import dicts, fails, run


def test_restart_keeps_everything(fresh_emulator):
    emu = fresh_emulator
    acct = emu.new_account()
    conn = emu.connect(account=acct, password="pw0")
    run(conn, "create database db")
    run(conn, "create schema db.s")
    run(conn, "create table db.s.t (id int, txt varchar)")
    run(conn, "insert into db.s.t values (1, 'a'), (2, 'b')")
    run(conn, "create view db.s.v as select txt from db.s.t where id = 2")
    run(conn, "create role analyst")
    run(conn, "create user bob password='bobpw' default_role=analyst")
    run(conn, "grant role analyst to user bob")
    run(conn, "grant usage on database db to role analyst")
    run(conn, "grant database role snowflake.cortex_user to role analyst")
    conn.close()
    emu.restart()

    conn = emu.connect(account=acct, password="pw0")
    assert run(conn, "select id, txt from db.s.t order by id") == [(1, "a"), (2, "b")]
    assert run(conn, "select * from db.s.v") == [("b",)]
    assert "where id = 2" in run(conn, "select get_ddl('view', 'db.s.v')")[0][0]
    assert {(g["privilege"], g["granted_on"], g["name"]) for g in dicts(conn, "show grants to role analyst")} == {
        ("USAGE", "DATABASE", "DB"),
        ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER"),
    }
    owner = [g["grantee_name"] for g in dicts(conn, "show grants on table db.s.t") if g["privilege"] == "OWNERSHIP"]
    assert owner == ["ACCOUNTADMIN"]
    bob = emu.connect(account=acct, user="bob", password="bobpw")
    assert run(bob, "select current_role()") == [("ANALYST",)]
    with pytest.raises(DatabaseError):
        emu.connect(account=acct, password="not-pw0")
    run(conn, "insert into db.s.t values (3, 'c')")  # still writable after re-attach
    run(conn, "drop database db")
    fails(conn, "select * from db.s.t", 2003)


def test_models_survive_restart(fresh_emulator):
    emu = fresh_emulator
    acct = emu.new_account()
    conn = emu.connect(account=acct)
    run(conn, "create database db")
    run(conn, "create schema db.s")
    conn.close()
    assert emu.stop() == 0
    Catalog(emu.data_dir / "catalog.json").add_model(acct, ModelRec("DB", "S", "M1", "ACCOUNTADMIN", "mistral-7b"))
    emu.start()
    emu.restart()
    conn = emu.connect(account=acct)
    assert [r[1] for r in run(conn, "show models in schema db.s")] == ["M1"]
