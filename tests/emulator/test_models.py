"""MODEL objects: SHOW MODELS, DESCRIBE MODEL, DROP MODEL. Records are seeded through the catalog
API while the server is stopped (FINETUNE creates them in real use), which also proves they persist."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex_local.catalog import Catalog
from cortex_local.catalog_records import ModelRec
from tests.conftest import Emulator
from tests.emulator.helpers import columns, dicts, fails, run, status

MODEL_COLUMNS = [
    "created_on",
    "name",
    "model_type",
    "database_name",
    "schema_name",
    "owner",
    "comment",
    "versions",
    "default_version_name",
    "aliases",
]  # Snowflake's SHOW MODELS columns, in its order, and nothing else
ACCT = "MODELACCT"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    emu = Emulator(tmp_path_factory.mktemp("models") / "data")
    emu.start()
    conn = emu.connect(account=ACCT)
    for db, schema in (("DB", "S"), ("DB", "T"), ("DB2", "S")):
        run(conn, f"create database if not exists {db}")
        run(conn, f"create schema if not exists {db}.{schema}")
    run(conn, "create role analyst")
    run(conn, "create user bob password='pw'")
    run(conn, "grant role analyst to user bob")
    conn.close()
    assert emu.stop() == 0
    catalog = Catalog(emu.data_dir / "catalog.json")
    for db, schema, name in (
        ("DB", "S", "SUPPORT_BOT"),
        ("DB", "S", "SUMMARIZER"),
        ("DB", "T", "OTHER"),
        ("DB2", "S", "ELSEWHERE"),
    ):
        adapter = emu.data_dir / "adapters" / name
        adapter.mkdir(parents=True)
        (adapter / "adapter.bin").write_bytes(b"x")
        catalog.add_model(
            ACCT,
            ModelRec(
                db,
                schema,
                name,
                owner="ACCOUNTADMIN",
                base_model="mistral-7b",
                backing_model="SmolLM2-135M",
                adapter_path=str(adapter),
                job_id=f"ft_{name}",
                comment="seeded",
            ),
        )
    emu.start()
    yield emu
    emu.stop()


def test_show_models_scopes_and_like(emu):
    conn = emu.connect(account=ACCT)
    assert columns(conn, "show models in account") == MODEL_COLUMNS
    assert [r[1] for r in run(conn, "show models in account")] == [
        "SUMMARIZER",
        "SUPPORT_BOT",
        "OTHER",
        "ELSEWHERE",
    ]
    assert [r[1] for r in run(conn, "show models in database db")] == ["SUMMARIZER", "SUPPORT_BOT", "OTHER"]
    assert [r[1] for r in run(conn, "show models in schema db.s")] == ["SUMMARIZER", "SUPPORT_BOT"]
    assert [r[1] for r in run(conn, "show models like 'sup%' in schema db.s")] == ["SUPPORT_BOT"]
    run(conn, "use database db2")
    assert [r[1] for r in run(conn, "show models")] == ["ELSEWHERE"]  # default scope: current database
    fails(conn, "show models in schema db.nope", 2003, "Schema 'DB.NOPE' does not exist")


def test_describe_model_shape(emu):
    conn = emu.connect(account=ACCT)
    run(conn, "use schema db.s")
    row = dicts(conn, "describe model support_bot")[0]
    assert list(row) == MODEL_COLUMNS
    assert (row["name"], row["model_type"], row["database_name"], row["schema_name"], row["owner"]) == (
        "SUPPORT_BOT",
        "CORTEX_FINETUNED",
        "DB",
        "S",
        "ACCOUNTADMIN",
    )
    assert row["comment"] == "seeded"  # a model's own comment wins over the emulator's note
    assert row["created_on"] is not None
    fails(conn, "describe model db.s.nope", 2003, "Object 'DB.S.NOPE' does not exist or not authorized.")


def test_models_are_visible_only_with_usage(emu):
    admin = emu.connect(account=ACCT)
    bob = emu.connect(account=ACCT, user="bob", password="pw", role="analyst")
    assert run(bob, "show models in account") == []
    fails(bob, "describe model db.t.other", 2003)
    run(admin, "grant usage on model db.t.other to role analyst")
    assert [r[1] for r in run(bob, "show models in account")] == ["OTHER"]
    assert ("USAGE", "MODEL", "DB.T.OTHER") in {
        (g["privilege"], g["granted_on"], g["name"]) for g in dicts(admin, "show grants on model db.t.other")
    }
    fails(bob, "drop model db.t.other", 3001, "Insufficient privileges to operate on model 'OTHER'")
    run(admin, "revoke usage on model db.t.other from role analyst")
    assert run(bob, "show models in account") == []


def test_drop_model_removes_record_and_adapter(emu):
    conn = emu.connect(account=ACCT)
    adapter = Path(emu.data_dir / "adapters" / "ELSEWHERE")
    assert adapter.exists()
    assert status(conn, "drop model db2.s.elsewhere") == "ELSEWHERE successfully dropped."
    assert not adapter.exists()
    assert run(conn, "show models in database db2") == []
    fails(conn, "drop model db2.s.elsewhere", 2003, "Object 'DB2.S.ELSEWHERE' does not exist")
    assert status(conn, "drop model if exists db2.s.elsewhere") == (
        "Drop statement executed successfully (ELSEWHERE already dropped)."
    )
    fails(conn, "create model m with version v1 from model db.s.summarizer", 1003, "not supported")
