"""FINETUNE's access control: CORTEX_USER, USAGE on the data's database, CREATE MODEL + USAGE (or
OWNERSHIP) on the target schema — each missing one fails with Snowflake's 003001."""

from __future__ import annotations

import pytest

from tests.emulator.cortex_util import finetune, training_table, wait_status
from tests.emulator.helpers import fails, run

GRANTS = {
    "cortex": "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE TUNER",
    "data": "GRANT USAGE ON DATABASE DATA TO ROLE TUNER",
    "create_model": "GRANT CREATE MODEL ON SCHEMA OUT.MODELS TO ROLE TUNER",
    "schema_usage": "GRANT USAGE ON SCHEMA OUT.MODELS TO ROLE TUNER",
    "out_db": "GRANT USAGE ON DATABASE OUT TO ROLE TUNER",
}
CREATE = (
    "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'OUT.MODELS.TUNED', 'mistral-7b', "
    "'SELECT prompt, completion FROM DATA.S.TRAIN')"
)


def _setup(emulator, missing: str | None):
    account = emulator.new_account()
    admin = emulator.connect(account=account)
    training_table(admin, db="DATA")
    run(admin, "CREATE DATABASE OUT")
    run(admin, "CREATE SCHEMA OUT.MODELS")
    run(admin, "CREATE ROLE TUNER")
    run(admin, "CREATE USER ALICE PASSWORD = 'pw1'")
    run(admin, "GRANT ROLE TUNER TO USER ALICE")
    for key, grant in GRANTS.items():
        if key != missing:
            run(admin, grant)
    return admin, emulator.connect(account=account, user="ALICE", password="pw1", role="TUNER")


def test_all_privileges_present_succeeds_and_role_owns_model(emulator):
    admin, alice = _setup(emulator, None)
    job = run(alice, CREATE)[0][0]
    assert wait_status(alice, job, {"SUCCESS"})["model"] == "OUT.MODELS.TUNED"
    owners = run(admin, "SHOW MODELS IN SCHEMA OUT.MODELS")
    assert "TUNER" in owners[0]


@pytest.mark.parametrize(
    ("missing", "errno", "text"),
    [
        ("cortex", 3001, "SNOWFLAKE.CORTEX_USER"),
        ("data", 3001, "Insufficient privileges to operate on database 'DATA'"),
        ("create_model", 3001, "Insufficient privileges to operate on schema 'MODELS'"),
        ("schema_usage", 3001, "Insufficient privileges to operate on schema 'MODELS'"),
    ],
)
def test_each_missing_privilege_fails(emulator, missing, errno, text):
    _, alice = _setup(emulator, missing)
    fails(alice, CREATE, errno, text)


def test_schema_owner_needs_no_grant(emulator):
    account = emulator.new_account()
    admin = emulator.connect(account=account)
    training_table(admin, db="DATA")
    run(admin, "CREATE ROLE OWNER_ROLE")
    run(admin, "GRANT ROLE OWNER_ROLE TO USER ADMIN")
    run(admin, "GRANT USAGE ON DATABASE DATA TO ROLE OWNER_ROLE")
    run(admin, "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE OWNER_ROLE")
    run(admin, "GRANT CREATE DATABASE ON ACCOUNT TO ROLE OWNER_ROLE")
    run(admin, "USE ROLE OWNER_ROLE")
    run(admin, "CREATE DATABASE OWNED")
    run(admin, "CREATE SCHEMA OWNED.M")
    job = finetune(admin, "CREATE", "OWNED.M.X", "llama3.1-8b", "SELECT prompt, completion FROM DATA.S.TRAIN")
    wait_status(admin, job, {"SUCCESS"})


def test_complete_on_fine_tuned_model_needs_usage(emulator):
    admin, alice = _setup(emulator, None)
    wait_status(alice, run(alice, CREATE)[0][0], {"SUCCESS"})
    run(admin, "CREATE ROLE READER")
    run(admin, "CREATE USER BOB PASSWORD = 'pw2'")
    run(admin, "GRANT ROLE READER TO USER BOB")
    run(admin, "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE READER")
    bob = emulator.connect(account=alice.account, user="BOB", password="pw2", role="READER")
    fails(
        bob,
        "SELECT SNOWFLAKE.CORTEX.COMPLETE('OUT.MODELS.TUNED', 'hi')",
        2003,
        "does not exist or not authorized",
    )
    assert run(bob, "SELECT SNOWFLAKE.CORTEX.COMPLETE('mistral-7b', 'hi')")[0][0].startswith(
        "[stub:mistral-7b]"
    )
    run(admin, "GRANT USAGE ON MODEL OUT.MODELS.TUNED TO ROLE READER")
    assert (
        "adapter:OUT.MODELS.TUNED"
        in run(bob, "SELECT SNOWFLAKE.CORTEX.COMPLETE('OUT.MODELS.TUNED', 'hi')")[0][0]
    )
