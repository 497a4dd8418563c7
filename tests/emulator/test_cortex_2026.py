"""Cortex Fine-tuning as Snowflake documents it in 2026, through the real driver, on a server
with its default (current) base-model catalogue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.emulator.cortex_util import describe, finetune, show, training_table, wait_status
from tests.emulator.helpers import columns, dicts, fails, run

DESCRIBE_KEYS = {"id", "status", "progress", "base_model", "created_on", "finished_on", "model", "training_data",
                 "trained_tokens", "training_result", "validation_data"}
WRAPPER = 'Failed to query input data for Fine-tuning. Failed to execute query: SELECT "PROMPT", "COMPLETION" FROM ('


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("current") / "data", catalogue="current")
    emu.start()
    yield emu
    emu.stop()


def _conn(emu: Emulator):  # type: ignore[no-untyped-def]
    conn = emu.connect(account=emu.new_account())
    training_table(conn, rows=12)
    return conn


# -- 2. base models ---------------------------------------------------------------------------------
def test_current_catalogue_accepts_llama31_8b_only(current: Emulator) -> None:
    conn = _conn(current)
    q = "SELECT prompt, completion FROM DB.S.TRAIN"
    for old in ("mistral-7b", "llama3-70b", "llama3.2-1b", "llama3.2-3b"):
        fails(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.M', '{old}', '{q}')", 100357,
              "Choose one of: 'llama3.1-8b', 'arctic-extract'")
    job = finetune(conn, "CREATE", "DB.S.M", "llama3.1-8b", q)
    assert wait_status(conn, job, {"SUCCESS"})["base_model"] == "llama3.1-8b"
    # arctic-extract is a separate Dataset flow (snow://dataset/...), not emulated: it says so
    fails(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.X', 'arctic-extract', "
          "'snow://dataset/DB.S.DS/versions/1')", 1003, "arctic-extract")


def test_2025_catalogue_flag_offers_the_six_older_models(emulator: Emulator) -> None:
    conn = emulator.connect(account=emulator.new_account())
    training_table(conn)
    fails(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.M', 'llama3.2-1b', 'SELECT 1')", 100357,
          "'llama3-8b', 'llama3-70b', 'llama3.1-8b', 'llama3.1-70b', 'mistral-7b', 'mixtral-8x7b'")


# -- 3. asynchronous failures, job ids --------------------------------------------------------------
def test_job_id_is_ft_uuid4(current: Emulator) -> None:
    conn = _conn(current)
    job = finetune(conn, "CREATE", "DB.S.IDS", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN")
    assert job.startswith("ft_") and job == job.lower()
    assert uuid.UUID(job[3:]).version == 4 and str(uuid.UUID(job[3:])) == job[3:]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("SELECT prompt, completion FROM DB.S.NO_SUCH_TABLE", "NO_SUCH_TABLE"),
        ("SELECT prompt FROM DB.S.TRAIN", "invalid identifier '\"COMPLETION\"'"),
        # a quoted lower-case alias is another column than the wrapper's "PROMPT"
        ('SELECT prompt AS "prompt", completion FROM DB.S.TRAIN', "invalid identifier '\"PROMPT\"'"),
        ("SELEC prompt, completion FROM DB.S.TRAIN", "SQL compilation error"),
    ],
)
def test_query_failures_arrive_as_asynchronous_job_errors(current: Emulator, query: str, detail: str) -> None:
    conn = _conn(current)
    job = finetune(conn, "CREATE", "DB.S.BAD", "llama3.1-8b", query)  # CREATE succeeds: a job id
    assert job.startswith("ft_")
    info = wait_status(conn, job, {"ERROR", "SUCCESS"})
    assert info["status"] == "ERROR" and info["progress"] == 0.0 and info["finished_on"] >= info["created_on"]
    assert info["error"]["code"] == "INVALID_PARAMETER_VALUE"
    assert info["error"]["message"].startswith(WRAPPER + query + ")")
    assert detail in info["error"]["message"]
    assert [j["status"] for j in show(conn) if j["id"] == job] == ["ERROR"]
    assert run(conn, "SHOW MODELS IN SCHEMA DB.S") == []


def test_create_still_rejects_call_time_errors(current: Emulator) -> None:
    conn = _conn(current)
    q = "SELECT prompt, completion FROM DB.S.TRAIN"
    fails(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.M', 'llama3.1-8b')", 1003, "4 to 6 arguments")
    fails(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.M', 'llama3.1-8b', '{q}', NULL, '{{oops')",
          1003, "Invalid argument options")
    run(conn, "CREATE ROLE NOCORTEX")
    run(conn, "GRANT ROLE NOCORTEX TO USER ADMIN")
    run(conn, "GRANT DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER TO ROLE NOCORTEX")
    run(conn, "USE ROLE NOCORTEX")
    # SNOWFLAKE.AI_FUNCTIONS_USER does not allow fine-tuning; CORTEX_USER is the role
    fails(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.M', 'llama3.1-8b', '{q}')", 3001,
          "SNOWFLAKE.CORTEX_USER")
    assert show(_conn(current)) == []


# -- 4. shapes --------------------------------------------------------------------------------------
def test_describe_show_cancel_and_models_carry_snowflakes_shapes(current: Emulator) -> None:
    conn = _conn(current)
    job = finetune(conn, "CREATE", "DB.S.SHAPE", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN",
                   None, '{"max_epochs": 1}')
    info = wait_status(conn, job, {"SUCCESS"})
    assert set(info) == DESCRIBE_KEYS  # no `options` by default, no `error` on SUCCESS, nothing local
    assert info["validation_data"] == ""  # no validation query: "" and an automatic split
    assert set(info["training_result"]) == {"validation_loss", "training_loss"}
    assert info["training_result"]["validation_loss"] is not None
    assert info["model"] == "DB.S.SHAPE"
    listed = show(conn)
    assert listed == [{"id": job, "status": "SUCCESS", "base_model": "llama3.1-8b",
                       "created_on": info["created_on"]}]
    assert isinstance(listed[0]["created_on"], int) and listed[0]["created_on"] > 1_600_000_000_000
    slow = finetune(conn, "CREATE", "DB.S.SLOW", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN",
                    None, '{"stub_step_seconds": 2}')
    assert finetune(conn, "CANCEL", slow) == f"Canceled Cortex Fine-tuning job: {slow}"
    assert "error" not in wait_status(conn, slow, {"CANCELLED"})
    assert columns(conn, "SHOW MODELS IN SCHEMA DB.S") == [
        "created_on", "name", "model_type", "database_name", "schema_name", "owner", "comment", "versions",
        "default_version_name", "aliases"]
    (model,) = dicts(conn, "SHOW MODELS IN SCHEMA DB.S")
    assert model["model_type"] == "CORTEX_FINETUNED" and model["name"] == "SHAPE"
    assert "stub engine" in model["comment"]  # the emulator's own note lives in the comment


def test_describe_options_flag_adds_options(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "data", catalogue="current", extra_args=["--describe-options"])
    emu.start()
    try:
        conn = _conn(emu)
        job = finetune(conn, "CREATE", "DB.S.OPT", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN",
                       "SELECT prompt, completion FROM DB.S.TRAIN", '{"max_epochs": 2}')
        info = wait_status(conn, job, {"SUCCESS"})
        assert set(info) == DESCRIBE_KEYS | {"options"} and info["options"] == {"max_epochs": 2}
        assert info["validation_data"] == "SELECT prompt, completion FROM DB.S.TRAIN"
    finally:
        emu.stop()


def test_model_privileges_usage_read_and_share_grants(current: Emulator) -> None:
    conn = _conn(current)
    job = finetune(conn, "CREATE", "DB.S.SHARED", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN")
    wait_status(conn, job, {"SUCCESS"})
    run(conn, "CREATE ROLE READER")
    run(conn, "GRANT READ ON MODEL DB.S.SHARED TO ROLE READER")
    run(conn, "GRANT USAGE ON MODEL DB.S.SHARED TO ROLE READER")
    privs = {g["privilege"] for g in dicts(conn, "SHOW GRANTS ON MODEL DB.S.SHARED")}
    assert {"OWNERSHIP", "USAGE", "READ"} <= privs
    run(conn, "CREATE SHARE MS")
    run(conn, "GRANT USAGE ON DATABASE DB TO SHARE MS")
    run(conn, "GRANT USAGE ON SCHEMA DB.S TO SHARE MS")
    run(conn, "GRANT READ ON MODEL DB.S.SHARED TO SHARE MS")
    run(conn, "GRANT USAGE ON MODEL DB.S.SHARED TO SHARE MS")
    fails(conn, "GRANT OWNERSHIP ON MODEL DB.S.SHARED TO SHARE MS", 1003)
    assert json.loads(json.dumps(describe(conn, job)))["status"] == "SUCCESS"
