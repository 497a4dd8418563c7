"""Replicating databases (tables, views, fine-tuned models) to two target accounts."""

from __future__ import annotations

from tests.emulator.cortex_util import complete, finetune, training_table, wait_status
from tests.emulator.helpers import columns, dicts, fails, run

SHOW_COLUMNS = [
    "snowflake_region",
    "created_on",
    "account_name",
    "name",
    "type",
    "comment",
    "is_primary",
    "primary",
    "object_types",
    "allowed_integration_types",
    "allowed_accounts",
    "organization_name",
    "account_locator",
    "replication_schedule",
    "secondary_state",
    "next_scheduled_refresh",
    "owner",
    "is_listing_auto_fulfillment_group",
    "error_integration",
]


def test_replicate_to_two_targets_and_refresh_again(emulator):
    primary, t1, t2 = emulator.new_account(), emulator.new_account(), emulator.new_account()
    prim = emulator.connect(account=primary)
    src = training_table(prim, db="ML")
    run(prim, "CREATE VIEW ML.S.V AS SELECT prompt FROM ML.S.TRAIN")
    wait_status(
        prim,
        finetune(prim, "CREATE", "ML.S.M1", "mistral-7b", f"SELECT prompt, completion FROM {src}"),
        {"SUCCESS"},
    )
    run(
        prim,
        f"CREATE REPLICATION GROUP RG OBJECT_TYPES = DATABASES ALLOWED_DATABASES = ML "
        f"ALLOWED_ACCOUNTS = LOCALORG.{t1}, LOCALORG.{t2} REPLICATION_SCHEDULE = '10 MINUTE'",
    )
    targets = [emulator.connect(account=a) for a in (t1, t2)]
    for conn in targets:
        run(conn, f"CREATE REPLICATION GROUP RG AS REPLICA OF LOCALORG.{primary}.RG")
        run(conn, "ALTER REPLICATION GROUP RG REFRESH")
        assert len(run(conn, "SELECT * FROM ML.S.TRAIN")) == 3
        assert len(run(conn, "SELECT * FROM ML.S.V")) == 3
        assert [m["name"] for m in dicts(conn, "SHOW MODELS IN DATABASE ML")] == ["M1"]
        assert complete(conn, "ML.S.M1", "q") == complete(prim, "ML.S.M1", "q")
        fails(conn, "INSERT INTO ML.S.TRAIN VALUES ('a', 'b', 'c')", 3008, "read-only")
        fails(conn, "DROP MODEL ML.S.M1", 3008, "read-only")

    assert columns(targets[0], "SHOW REPLICATION GROUPS") == SHOW_COLUMNS
    rows = dicts(targets[0], "SHOW REPLICATION GROUPS")
    mine = next(r for r in rows if r["account_name"] == t1)
    assert mine["is_primary"] == "false" and mine["primary"] == f"LOCALORG.{primary}.RG"
    assert mine["replication_schedule"] == "10 MINUTE" and mine["next_scheduled_refresh"] is not None
    assert mine["allowed_accounts"] == f"LOCALORG.{t1},LOCALORG.{t2}"
    prim_rows = dicts(prim, "SHOW REPLICATION GROUPS")
    assert {(r["account_name"], r["is_primary"]) for r in prim_rows} == {
        (primary, "true"),
        (t1, "false"),
        (t2, "false"),
    }

    # a second refresh brings a new model and new rows
    wait_status(
        prim,
        finetune(prim, "CREATE", "ML.S.M2", "llama3-8b", f"SELECT prompt, completion FROM {src}"),
        {"SUCCESS"},
    )
    run(prim, "INSERT INTO ML.S.TRAIN VALUES ('p', 'c', 'n')")
    run(targets[1], "ALTER REPLICATION GROUP RG REFRESH")
    assert [m["name"] for m in dicts(targets[1], "SHOW MODELS IN DATABASE ML")] == ["M1", "M2"]
    assert len(run(targets[1], "SELECT * FROM ML.S.TRAIN")) == 4
    assert complete(targets[1], "ML.S.M2", "q").startswith("[stub:llama3-8b+adapter:ML.S.M2]")
    assert [m["name"] for m in dicts(targets[0], "SHOW MODELS IN DATABASE ML")] == ["M1"]  # not refreshed yet

    # dropping a replica group leaves the primary untouched
    fails(prim, "DROP REPLICATION GROUP RG", 1003, "secondary groups exist")
    run(targets[0], "DROP REPLICATION GROUP RG")
    run(targets[0], "INSERT INTO ML.S.TRAIN VALUES ('a', 'b', 'c')")  # standalone and writable now
    assert len(run(prim, "SELECT * FROM ML.S.TRAIN")) == 4
    assert [m["name"] for m in dicts(prim, "SHOW MODELS IN DATABASE ML")] == ["M1", "M2"]


def test_allowed_accounts_are_enforced(emulator):
    primary, target = emulator.new_account(), emulator.new_account()
    prim = emulator.connect(account=primary)
    training_table(prim, db="ML")
    run(
        prim,
        f"CREATE REPLICATION GROUP G2 OBJECT_TYPES = DATABASES ALLOWED_DATABASES = ML "
        f"ALLOWED_ACCOUNTS = LOCALORG.{primary}X",
    )
    conn = emulator.connect(account=target)
    fails(conn, f"CREATE REPLICATION GROUP G2 AS REPLICA OF LOCALORG.{primary}.G2", 3001)
    run(prim, f"ALTER REPLICATION GROUP G2 ADD LOCALORG.{target} TO ALLOWED_ACCOUNTS")
    run(conn, f"CREATE REPLICATION GROUP G2 AS REPLICA OF LOCALORG.{primary}.G2")
    run(prim, f"ALTER REPLICATION GROUP G2 SET ALLOWED_ACCOUNTS = LOCALORG.{primary}X")
    fails(conn, "ALTER REPLICATION GROUP G2 REFRESH", 3001, "not allowed")
    fails(
        prim,
        "CREATE REPLICATION GROUP G3 OBJECT_TYPES = ROLES ALLOWED_DATABASES = ML "
        f"ALLOWED_ACCOUNTS = LOCALORG.{target}",
        1003,
        "not supported",
    )
