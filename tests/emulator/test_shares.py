"""Sharing fine-tuned models between two accounts; COMPLETE in the consumer; revocation."""

from __future__ import annotations

from tests.emulator.cortex_util import complete, finetune, training_table, wait_status
from tests.emulator.helpers import columns, dicts, fails, run

SHOW_SHARES = [
    "created_on",
    "kind",
    "owner_account",
    "name",
    "database_name",
    "to",
    "owner",
    "comment",
    "listing_global_name",
]


def _provider(emulator):
    account = emulator.new_account()
    conn = emulator.connect(account=account)
    src = training_table(conn)
    job = finetune(conn, "CREATE", "DB.S.SHARED_FT", "mistral-7b", f"SELECT prompt, completion FROM {src}")
    wait_status(conn, job, {"SUCCESS"})
    return account, conn


def test_share_model_to_consumer_and_revoke(emulator):
    provider, prov = _provider(emulator)
    consumer = emulator.new_account()
    cons = emulator.connect(account=consumer)
    run(prov, "CREATE SHARE MODEL_SHARE COMMENT = 'tuned models'")
    run(prov, "GRANT USAGE ON DATABASE DB TO SHARE MODEL_SHARE")
    run(prov, "GRANT USAGE ON SCHEMA DB.S TO SHARE MODEL_SHARE")
    run(prov, "GRANT USAGE ON MODEL DB.S.SHARED_FT TO SHARE MODEL_SHARE")
    run(prov, f"ALTER SHARE MODEL_SHARE ADD ACCOUNTS = LOCALORG.{consumer}")
    assert columns(prov, "SHOW SHARES") == SHOW_SHARES
    out = dicts(prov, "SHOW SHARES LIKE 'MODEL%'")
    assert [(s["kind"], s["name"], s["database_name"], s["to"], s["comment"]) for s in out] == [
        ("OUTBOUND", "MODEL_SHARE", "DB", f"LOCALORG.{consumer}", "tuned models")
    ]
    grants = dicts(prov, "SHOW GRANTS TO SHARE MODEL_SHARE")
    assert [(g["privilege"], g["granted_on"], g["name"], g["granted_to"]) for g in grants] == [
        ("USAGE", "DATABASE", "DB", "SHARE"),
        ("USAGE", "SCHEMA", "DB.S", "SHARE"),
        ("USAGE", "MODEL", "DB.S.SHARED_FT", "SHARE"),
    ]
    inbound = dicts(cons, "SHOW SHARES")
    assert [(s["kind"], s["owner_account"], s["name"]) for s in inbound] == [
        ("INBOUND", f"LOCALORG.{provider}", "MODEL_SHARE")
    ]

    run(cons, f"CREATE DATABASE FROM_PROV FROM SHARE LOCALORG.{provider}.MODEL_SHARE")
    assert [m["name"] for m in dicts(cons, "SHOW MODELS IN DATABASE FROM_PROV")] == ["SHARED_FT"]
    tuned = complete(cons, "FROM_PROV.S.SHARED_FT", "hello")
    assert tuned == complete(prov, "DB.S.SHARED_FT", "hello")
    assert "adapter:DB.S.SHARED_FT" in tuned
    fails(cons, "DROP MODEL FROM_PROV.S.SHARED_FT", 3008, "read-only")
    fails(cons, "CREATE TABLE FROM_PROV.S.T (a INT)", 3008, "read-only")

    run(prov, f"ALTER SHARE MODEL_SHARE REMOVE ACCOUNTS = LOCALORG.{consumer}")
    fails(cons, "SHOW MODELS IN DATABASE FROM_PROV", 3030, "no longer available")
    fails(cons, "SELECT SNOWFLAKE.CORTEX.COMPLETE('FROM_PROV.S.SHARED_FT', 'hello')", 3030, "no longer available")
    assert complete(prov, "DB.S.SHARED_FT", "hello") == tuned  # the provider keeps its model
    run(cons, "DROP DATABASE FROM_PROV")
    run(prov, "DROP SHARE MODEL_SHARE")
    assert dicts(prov, "SHOW SHARES") == []


def test_revoking_model_grant_hides_it(emulator):
    provider, prov = _provider(emulator)
    consumer = emulator.new_account()
    cons = emulator.connect(account=consumer)
    for sql in (
        "CREATE SHARE S2",
        "GRANT USAGE ON DATABASE DB TO SHARE S2",
        "GRANT USAGE ON SCHEMA DB.S TO SHARE S2",
        f"ALTER SHARE S2 ADD ACCOUNTS = {consumer}",
    ):
        run(prov, sql)
    run(cons, f"CREATE DATABASE IMP FROM SHARE LOCALORG.{provider}.S2")
    assert dicts(cons, "SHOW MODELS IN DATABASE IMP") == []  # schema shared, model not yet
    run(prov, "GRANT USAGE ON MODEL DB.S.SHARED_FT TO SHARE S2")
    assert [m["name"] for m in dicts(cons, "SHOW MODELS IN DATABASE IMP")] == ["SHARED_FT"]
    run(prov, "REVOKE USAGE ON MODEL DB.S.SHARED_FT FROM SHARE S2")
    assert dicts(cons, "SHOW MODELS IN DATABASE IMP") == []


def test_share_errors(emulator):
    provider, prov = _provider(emulator)
    other = emulator.new_account()
    stranger = emulator.connect(account=other)
    run(prov, "CREATE SHARE S3")
    fails(prov, "GRANT USAGE ON MODEL DB.S.SHARED_FT TO SHARE S3", 1003, "Grant USAGE ON DATABASE DB")
    fails(prov, "GRANT SELECT ON TABLE DB.S.TRAIN TO SHARE S3", 1003, "not supported by the local emulator")
    fails(
        stranger,
        f"CREATE DATABASE X FROM SHARE LOCALORG.{provider}.S3",
        2003,
        "does not exist or not authorized",
    )
    fails(prov, "CREATE SHARE S3", 2002, "already exists")
