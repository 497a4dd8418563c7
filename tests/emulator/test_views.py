"""Views: CREATE [OR REPLACE] VIEW, SHOW VIEWS [LIKE] [IN SCHEMA], GET_DDL('VIEW', ...), privileges."""

from __future__ import annotations

from tests.emulator.helpers import dicts, fails, run, status


def _setup(emulator):
    conn = emulator.connect(account=emulator.new_account())
    run(conn, "create database db")
    run(conn, "create schema db.s")
    run(conn, "create table db.s.src (prompt varchar, completion varchar)")
    run(conn, "insert into db.s.src values ('p1', 'c1'), ('p2', 'c2')")
    return conn


def test_create_view_show_views_and_get_ddl(emulator):
    conn = _setup(emulator)
    sql = "create or replace view db.s.train_v as select prompt, completion from db.s.src where prompt = 'p1'"
    assert status(conn, sql) == "View TRAIN_V successfully created."
    assert run(conn, "select * from db.s.train_v") == [("p1", "c1")]
    run(conn, "create view db.s.other as select 1 as x")
    views = dicts(conn, "show views like 'TRAIN%' in schema db.s")
    assert [(v["name"], v["database_name"], v["schema_name"]) for v in views] == [("TRAIN_V", "DB", "S")]
    assert list(views[0])[:8] == [
        "created_on",
        "name",
        "reserved",
        "database_name",
        "schema_name",
        "owner",
        "comment",
        "text",
    ]
    ddl = run(conn, "select get_ddl('view', 'db.s.train_v')")[0][0]
    assert ddl == (
        "create or replace view DB.S.TRAIN_V as select prompt, completion from db.s.src where prompt = 'p1';"
    )
    run(conn, "use schema db.s")
    assert run(conn, "select get_ddl('VIEW', 'train_v')")[0][0] == ddl
    fails(conn, "select get_ddl('VIEW', 'nope')", 2003, "Object 'DB.S.NOPE' does not exist or not authorized.")
    fails(conn, "select get_ddl('TABLE', 'src')", 1003, "not supported")


def test_replacing_a_view_updates_its_ddl(emulator):
    conn = _setup(emulator)
    run(conn, "create view db.s.v as select prompt from db.s.src")
    run(conn, "create or replace view db.s.v as select completion from db.s.src")
    assert "select completion" in run(conn, "select get_ddl('view', 'db.s.v')")[0][0]
    assert status(conn, "drop view db.s.v") == "V successfully dropped."
    fails(conn, "select get_ddl('view', 'db.s.v')", 2003)


def test_create_view_needs_create_view_on_schema(emulator):
    conn = _setup(emulator)
    run(conn, "create role r")
    run(conn, "create user u password='pw'")
    run(conn, "grant role r to user u")
    run(conn, "grant usage on database db to role r")
    run(conn, "grant usage on schema db.s to role r")
    user = emulator.connect(account=conn.account, user="u", password="pw", role="r")
    fails(user, "create view db.s.v2 as select 1 as x", 3001, "Insufficient privileges to operate on schema 'S'")
    run(conn, "grant create view on schema db.s to role r")
    assert status(user, "create view db.s.v2 as select 1 as x") == "View V2 successfully created."
    assert run(user, "select get_ddl('view', 'db.s.v2')")[0][0].startswith("create or replace view DB.S.V2")
