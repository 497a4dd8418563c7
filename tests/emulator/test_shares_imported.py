"""The consumer side of a model share: IMPORTED PRIVILEGES for a consumer role, SHOW DATABASES /
SHOW SHARES in the consumer, read-only shared objects, and Snowflake's 003030 once the provider
removes the account (the database must then be re-created, even after the account is added back)."""

from __future__ import annotations

from typing import Any

from tests.emulator.cortex_util import complete
from tests.emulator.helpers import dicts, fails, run
from tests.emulator.test_shares import _provider

UNAVAILABLE = "Shared database is no longer available for use"


def _shared(emulator: Any) -> tuple[str, Any, str, Any, Any]:
    """Provider P shares DB.S.SHARED_FT as MODEL_SHARE to consumer C, which mounts it as FROM_PROV and has
    role READER (CORTEX_USER, user READ_USER); returns (provider, prov, consumer, admin, reader)."""
    provider, prov = _provider(emulator)
    consumer = emulator.new_account()
    for sql in (
        "CREATE SHARE MODEL_SHARE",
        "GRANT USAGE ON DATABASE DB TO SHARE MODEL_SHARE",
        "GRANT USAGE ON SCHEMA DB.S TO SHARE MODEL_SHARE",
        "GRANT USAGE ON MODEL DB.S.SHARED_FT TO SHARE MODEL_SHARE",
        f"ALTER SHARE MODEL_SHARE ADD ACCOUNTS = LOCALORG.{consumer}",
    ):
        run(prov, sql)
    admin = emulator.connect(account=consumer)
    for sql in (
        f"CREATE DATABASE FROM_PROV FROM SHARE LOCALORG.{provider}.MODEL_SHARE",
        "CREATE ROLE READER",
        "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE READER",
        "CREATE USER READ_USER PASSWORD = 'pw-r'",
        "GRANT ROLE READER TO USER READ_USER",
    ):
        run(admin, sql)
    reader = emulator.connect(account=consumer, user="READ_USER", password="pw-r", role="READER")
    return provider, prov, consumer, admin, reader


def test_imported_privileges_let_a_consumer_role_use_the_shared_model(emulator):
    _, prov, _, admin, reader = _shared(emulator)
    expected = complete(prov, "DB.S.SHARED_FT", "hello")
    fails(reader, "SELECT SNOWFLAKE.CORTEX.COMPLETE('FROM_PROV.S.SHARED_FT', 'hello')", 2003, "not authorized")
    assert dicts(reader, "SHOW MODELS IN DATABASE FROM_PROV") == []

    for sql in (
        "GRANT USAGE ON DATABASE FROM_PROV TO ROLE READER",
        "GRANT USAGE ON MODEL FROM_PROV.S.SHARED_FT TO ROLE READER",
    ):
        fails(admin, sql, 1003, "Granting individual privileges on imported database is not allowed")
    run(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE FROM_PROV TO ROLE READER")
    grants = dicts(admin, "SHOW GRANTS ON DATABASE FROM_PROV")
    assert ("USAGE", "READER") in {(g["privilege"], g["grantee_name"]) for g in grants}  # Snowflake prints USAGE

    assert complete(reader, "FROM_PROV.S.SHARED_FT", "hello") == expected
    assert [m["name"] for m in dicts(reader, "SHOW MODELS IN DATABASE FROM_PROV")] == ["SHARED_FT"]
    fails(reader, "DROP MODEL FROM_PROV.S.SHARED_FT", 3008, "read-only")
    fails(admin, "CREATE TABLE FROM_PROV.S.T (a INT)", 3008, "read-only")

    run(admin, "REVOKE IMPORTED PRIVILEGES ON DATABASE FROM_PROV FROM ROLE READER")
    fails(reader, "SELECT SNOWFLAKE.CORTEX.COMPLETE('FROM_PROV.S.SHARED_FT', 'hello')", 2003, "not authorized")

    run(admin, "CREATE DATABASE LOCAL_DB")
    fails(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE LOCAL_DB TO ROLE READER", 1003, "created from a share")
    fails(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE NOPE TO ROLE READER", 2003, "does not exist")


def test_show_databases_and_inbound_shares_in_the_consumer(emulator):
    provider, _, _, admin, _ = _shared(emulator)
    run(admin, "CREATE DATABASE LOCAL_DB")
    rows = dicts(admin, "SHOW DATABASES LIKE 'FROM%'")
    assert [(r["name"], r["kind"], r["origin"], r["owner"]) for r in rows] == [
        ("FROM_PROV", "IMPORTED DATABASE", f"LOCALORG.{provider}.MODEL_SHARE", "ACCOUNTADMIN")
    ]
    local = dicts(admin, "SHOW DATABASES LIKE 'LOCAL_DB'")
    assert [(r["kind"], r["origin"]) for r in local] == [("STANDARD", "")]
    inbound = [s for s in dicts(admin, "SHOW SHARES") if s["kind"] == "INBOUND"]
    assert [(s["owner_account"], s["name"], s["database_name"]) for s in inbound] == [
        (f"LOCALORG.{provider}", "MODEL_SHARE", "FROM_PROV")
    ]


def test_removed_account_makes_the_database_unavailable_until_recreated(emulator):
    provider, prov, consumer, admin, reader = _shared(emulator)
    run(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE FROM_PROV TO ROLE READER")
    expected = complete(reader, "FROM_PROV.S.SHARED_FT", "hello")

    run(prov, f"ALTER SHARE MODEL_SHARE REMOVE ACCOUNTS = LOCALORG.{consumer}")
    fails(reader, "SELECT SNOWFLAKE.CORTEX.COMPLETE('FROM_PROV.S.SHARED_FT', 'hello')", 3030, UNAVAILABLE)
    fails(admin, "SHOW MODELS IN DATABASE FROM_PROV", 3030, UNAVAILABLE)
    fails(admin, "USE DATABASE FROM_PROV", 3030, UNAVAILABLE)
    assert [r["origin"] for r in dicts(admin, "SHOW DATABASES LIKE 'FROM_PROV'")] == ["<revoked>"]
    assert [s for s in dicts(admin, "SHOW SHARES") if s["kind"] == "INBOUND"] == []
    assert complete(prov, "DB.S.SHARED_FT", "hello") == expected  # the provider keeps its model

    run(prov, f"ALTER SHARE MODEL_SHARE ADD ACCOUNTS = LOCALORG.{consumer}")
    fails(reader, "SELECT SNOWFLAKE.CORTEX.COMPLETE('FROM_PROV.S.SHARED_FT', 'hello')", 3030, UNAVAILABLE)
    inbound = [s for s in dicts(admin, "SHOW SHARES") if s["kind"] == "INBOUND"]
    assert [(s["name"], s["database_name"]) for s in inbound] == [("MODEL_SHARE", "")]  # not mounted anymore

    run(admin, "DROP DATABASE FROM_PROV")
    run(admin, f"CREATE DATABASE FROM_PROV FROM SHARE LOCALORG.{provider}.MODEL_SHARE")
    run(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE FROM_PROV TO ROLE READER")
    assert complete(reader, "FROM_PROV.S.SHARED_FT", "hello") == expected
