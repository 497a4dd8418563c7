"""CREATE/DROP ROLE and USER, SHOW ROLES/USERS shapes, USE ROLE, and who may do what."""

from __future__ import annotations

import pytest
from snowflake.connector.errors import DatabaseError

from tests.emulator.helpers import columns, dicts, fails, run, status

ROLE_COLUMNS = [
    "created_on",
    "name",
    "is_default",
    "is_current",
    "is_inherited",
    "assigned_to_users",
    "granted_to_roles",
    "granted_roles",
    "owner",
    "comment",
    "owner_role_type",
]


@pytest.fixture
def admin(emulator):
    return emulator.connect(account=emulator.new_account())


def test_create_and_drop_role_messages(admin):
    assert status(admin, "create role analyst") == "Role ANALYST successfully created."
    assert status(admin, "create role if not exists analyst") == "ANALYST already exists, statement succeeded."
    fails(admin, "create role analyst", 2002, "Object 'ANALYST' already exists.")
    assert status(admin, 'create role "MixedCase"') == 'Role "MixedCase" successfully created.'
    names = [r["name"] for r in dicts(admin, "show roles")]
    assert names == ["ACCOUNTADMIN", "ANALYST", "MixedCase", "PUBLIC", "SYSADMIN"]
    assert status(admin, "drop role analyst") == "ANALYST successfully dropped."
    fails(admin, "drop role analyst", 2003, "Role 'ANALYST' does not exist or not authorized.")
    assert status(admin, "drop role if exists analyst") == (
        "Drop statement executed successfully (ANALYST already dropped)."
    )


def test_show_roles_shape_and_like(admin):
    run(admin, "create role r_one comment = 'first'")
    run(admin, "create role r_two")
    assert columns(admin, "show roles") == ROLE_COLUMNS
    rows = dicts(admin, "show roles like 'r\\_%'")
    assert [(r["name"], r["owner"], r["comment"]) for r in rows] == [
        ("R_ONE", "ACCOUNTADMIN", "first"),
        ("R_TWO", "ACCOUNTADMIN", ""),
    ]
    me = dicts(admin, "show roles like 'accountadmin'")[0]
    assert (me["is_current"], me["is_default"], me["assigned_to_users"]) == ("Y", "Y", 1)


def test_builtin_roles_cannot_be_dropped(admin):
    for role in ("ACCOUNTADMIN", "SYSADMIN", "PUBLIC"):
        fails(admin, f"drop role {role}", 3001, "Insufficient privileges to operate on role")


def test_users_never_show_passwords(emulator, admin):
    assert status(admin, "create user bob password='Hunter2!' default_role=sysadmin comment='b'") == (
        "User BOB successfully created."
    )
    rows = dicts(admin, "show users like 'b%'")
    assert len(rows) == 1
    bob = rows[0]
    assert (bob["name"], bob["login_name"], bob["default_role"], bob["has_password"]) == (
        "BOB",
        "BOB",
        "SYSADMIN",
        True,
    )
    assert "Hunter2!" not in repr(rows)
    assert "password" not in [c.lower() for c in bob]


def test_created_user_logs_in_and_uses_granted_roles(emulator, admin):
    acct = admin.account
    run(admin, "create role r1")
    run(admin, "create role r2")
    run(admin, "grant role r2 to role r1")
    run(admin, "create user carol password='pw' default_role=r1")
    conn = emulator.connect(account=acct, user="carol", password="pw")
    assert run(conn, "select current_role()") == [("PUBLIC",)]  # default role not granted yet
    run(admin, "grant role r1 to user carol")
    conn = emulator.connect(account=acct, user="carol", password="pw")
    assert run(conn, "select current_role()") == [("R1",)]
    assert status(conn, "use role r2") == "Statement executed successfully."  # inherited through r1
    assert run(conn, "select current_role()") == [("R2",)]
    fails(conn, "use role accountadmin", 2003, "Role 'ACCOUNTADMIN' does not exist or not authorized.")
    fails(conn, "use role nosuchrole", 2003)


def test_drop_user_stops_logins(emulator, admin):
    run(admin, "create user dave password='pw'")
    emulator.connect(account=admin.account, user="dave", password="pw").close()
    assert status(admin, "drop user dave") == "DAVE successfully dropped."
    with pytest.raises(DatabaseError) as info:
        emulator.connect(account=admin.account, user="dave", password="pw")
    assert info.value.errno == 390100
    fails(admin, "drop user dave", 2003, "User 'DAVE' does not exist or not authorized.")
    assert status(admin, "drop user if exists dave").startswith("Drop statement executed successfully")


def test_non_admin_cannot_manage_roles_or_users(emulator, admin):
    run(admin, "create user eve password='pw'")
    eve = emulator.connect(account=admin.account, user="eve", password="pw")
    fails(eve, "create role sneaky", 3001, "Insufficient privileges to operate on account")
    fails(eve, "create user mallory password='x'", 3001)
    fails(eve, "drop user eve", 3001)
    fails(eve, "show users", 3001)


def test_unsupported_user_properties_fail_loudly(admin):
    fails(admin, "create user frank password='x' rsa_public_key='abc'", 1003, "RSA_PUBLIC_KEY")
    fails(admin, "alter user admin set password='x'", 1003, "not supported")
