"""GRANT/REVOKE of every supported kind, SHOW GRANTS shapes, and privilege enforcement."""

from __future__ import annotations

import pytest

from tests.emulator.helpers import admin_setup, columns, dicts, fails, run, status

GRANT_COLUMNS = [
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
]
OF_COLUMNS = ["created_on", "role", "granted_to", "grantee_name", "granted_by"]
TO_USER_COLUMNS = [
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "role",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
]


@pytest.fixture
def admin(emulator):
    conn = emulator.connect(account=emulator.new_account())
    admin_setup(conn)
    run(conn, "create role analyst")
    return conn


def _grants(conn, sql):
    return {(g["privilege"], g["granted_on"], g["name"]) for g in dicts(conn, sql)}


def test_grant_and_revoke_object_privileges(admin):
    ok = "Statement executed successfully."
    assert status(admin, "grant usage on database db to role analyst") == ok
    assert status(admin, "grant usage on schema db.s to role analyst") == ok
    assert status(admin, "grant create model on schema db.s to role analyst") == ok
    assert columns(admin, "show grants to role analyst") == GRANT_COLUMNS
    assert _grants(admin, "show grants to role analyst") == {
        ("USAGE", "DATABASE", "DB"),
        ("USAGE", "SCHEMA", "DB.S"),
        ("CREATE MODEL", "SCHEMA", "DB.S"),
    }
    row = dicts(admin, "show grants to role analyst")[0]
    assert (row["granted_to"], row["grantee_name"], row["grant_option"], row["granted_by"]) == (
        "ROLE",
        "ANALYST",
        False,
        "ACCOUNTADMIN",
    )
    assert status(admin, "revoke create model on schema db.s from role analyst") == ok
    assert status(admin, "revoke usage on database db from role analyst") == ok
    assert _grants(admin, "show grants to role analyst") == {("USAGE", "SCHEMA", "DB.S")}


def test_show_grants_on_objects_include_ownership(admin):
    run(admin, "grant usage on database db to role analyst")
    rows = dicts(admin, "show grants on database db")
    assert columns(admin, "show grants on database db") == GRANT_COLUMNS
    assert [(r["privilege"], r["grantee_name"]) for r in rows] == [
        ("OWNERSHIP", "ACCOUNTADMIN"),
        ("USAGE", "ANALYST"),
    ]
    run(admin, "use database db")
    run(admin, "grant usage on schema s to role analyst")  # resolved against the current database
    assert ("USAGE", "ANALYST") in [
        (r["privilege"], r["grantee_name"]) for r in dicts(admin, "show grants on schema db.s")
    ]


def test_cortex_user_database_role(admin):
    run(admin, "grant database role snowflake.cortex_user to role analyst")
    assert ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER") in _grants(admin, "show grants to role analyst")
    rows = dicts(admin, "show grants of database role snowflake.cortex_user")
    assert columns(admin, "show grants of database role snowflake.cortex_user") == OF_COLUMNS
    assert [(r["role"], r["granted_to"], r["grantee_name"]) for r in rows] == [
        ("SNOWFLAKE.CORTEX_USER", "ROLE", "ANALYST")
    ]
    run(admin, "revoke database role snowflake.cortex_user from role analyst")
    assert dicts(admin, "show grants of database role snowflake.cortex_user") == []
    fails(admin, "grant database role snowflake.other_role to role analyst", 1003, "not supported")


def test_role_to_user_and_role_hierarchy(emulator, admin):
    run(admin, "create role lead")
    run(admin, "create user bob password='pw'")
    run(admin, "grant role analyst to role lead")
    run(admin, "grant role lead to user bob")
    assert columns(admin, "show grants of role analyst") == OF_COLUMNS
    assert [(r["granted_to"], r["grantee_name"]) for r in dicts(admin, "show grants of role analyst")] == [
        ("ROLE", "LEAD")
    ]
    assert ("USAGE", "ROLE", "ANALYST") in _grants(admin, "show grants to role lead")
    assert columns(admin, "show grants to user bob") == TO_USER_COLUMNS
    assert [(r["role"], r["granted_to"], r["grantee_name"]) for r in dicts(admin, "show grants to user bob")] == [
        ("LEAD", "USER", "BOB")
    ]
    # privileges flow down the hierarchy: bob (LEAD) may use a database granted to ANALYST
    run(admin, "grant usage on database db to role analyst")
    run(admin, "grant usage on schema db.s to role analyst")
    bob = emulator.connect(account=admin.account, user="bob", password="pw", role="lead")
    assert status(bob, "use schema db.s") == "Statement executed successfully."
    fails(admin, "grant role lead to role analyst", 3001, "cycle")
    run(admin, "revoke role lead from user bob")
    assert dicts(admin, "show grants to user bob") == []


def test_privilege_failures_use_snowflake_errors(emulator, admin):
    run(admin, "create user bob password='pw'")
    run(admin, "grant role analyst to user bob")
    bob = emulator.connect(account=admin.account, user="bob", password="pw", role="analyst")
    fails(bob, "create schema db.s2", 3001, "Insufficient privileges to operate on database 'DB'")
    run(admin, "grant usage on database db to role analyst")
    fails(
        bob,
        "create table db.s.t (x int)",
        3001,
        "SQL access control error:\nInsufficient privileges to operate on schema 'S'",
    )
    run(admin, "grant usage on schema db.s to role analyst")
    fails(bob, "create table db.s.t (x int)", 3001, "Insufficient privileges to operate on schema 'S'")
    run(admin, "grant create table on schema db.s to role analyst")
    assert status(bob, "create table db.s.t (x int)") == "Table T successfully created."
    # the creator's role owns it: it may grant on it and drop it
    assert ("OWNERSHIP", "TABLE", "DB.S.T") in _grants(admin, "show grants to role analyst")
    fails(bob, "grant usage on database db to role public", 3001, "database 'DB'")
    fails(bob, "drop schema db.s", 3001)
    assert status(bob, "drop table db.s.t") == "T successfully dropped."


def test_grants_on_missing_objects_and_roles(admin):
    fails(admin, "grant usage on database nope to role analyst", 2003, "Database 'NOPE' does not exist")
    fails(admin, "grant usage on schema db.nope to role analyst", 2003, "Schema 'DB.NOPE' does not exist")
    fails(admin, "grant usage on model db.s.nope to role analyst", 2003, "Object 'DB.S.NOPE' does not exist")
    fails(admin, "grant usage on database db to role ghost", 2003, "Role 'GHOST' does not exist")
    fails(admin, "grant role ghost to user admin", 2003, "Role 'GHOST'")
    fails(admin, "show grants to role ghost", 2003)
    fails(admin, "grant fly on database db to role analyst", 1003, "Invalid privilege FLY")
    fails(admin, "grant select on all tables in schema db.s to role analyst", 1003, "not supported")
    fails(admin, "show future grants in schema db.s", 1003, "not supported")


def test_grant_all_and_ownership_transfer(admin):
    run(admin, "grant all privileges on schema db.s to role analyst")
    assert {p for p, kind, _ in _grants(admin, "show grants to role analyst") if kind == "SCHEMA"} == {
        "USAGE",
        "CREATE TABLE",
        "CREATE VIEW",
        "CREATE MODEL",
        "CREATE FUNCTION",  # the release endpoint is a SQL function
        "MODIFY",
        "MONITOR",
    }
    run(admin, "grant ownership on database db to role analyst")
    owners = [r["grantee_name"] for r in dicts(admin, "show grants on database db") if r["privilege"] == "OWNERSHIP"]
    assert owners == ["ANALYST"]
