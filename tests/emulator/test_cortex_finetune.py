"""FINETUNE CREATE / DESCRIBE / SHOW / CANCEL through the real connector (stub engine)."""

from __future__ import annotations

import json
import math
import re

from tests.emulator.cortex_util import describe, finetune, show, training_table, wait_status
from tests.emulator.helpers import dicts, fails, run

DESCRIBE_KEYS = {
    "base_model",
    "created_on",
    "finished_on",
    "id",
    "model",
    "progress",
    "status",
    "training_data",
    "trained_tokens",
    "training_result",
    "validation_data",
}  # Snowflake's keys (no `error` on SUCCESS, no `options` by default, nothing emulator-specific)


def test_lifecycle_create_describe_show(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn, rows=4)
    run(conn, "USE SCHEMA DB.S")
    job = finetune(
        conn,
        "CREATE",
        "tuned",
        "mistral-7b",
        f"SELECT prompt, completion, note FROM {src}",
        f"SELECT prompt, completion FROM {src}",
        '{"max_epochs": 2}',
    )
    assert re.fullmatch(r"ft_[0-9a-f-]{36}", job)
    info = wait_status(conn, job, {"SUCCESS"})
    assert set(info) == DESCRIBE_KEYS
    assert info["model"] == "DB.S.TUNED" and info["base_model"] == "mistral-7b" and info["progress"] == 1.0
    assert info["finished_on"] >= info["created_on"]
    # stub counts ceil(len/4) tokens; trained tokens = input tokens x epochs
    rows = run(conn, f"SELECT prompt, completion FROM {src}")
    tokens = sum(math.ceil(len(p) / 4) + math.ceil(len(c) / 4) for p, c in rows)
    assert info["trained_tokens"] == tokens * 2
    assert set(info["training_result"]) == {"validation_loss", "training_loss"}
    stats = json.loads(run(conn, f"SELECT SYSTEM$CORTEX_LOCAL_ENGINE_STATS('{job}')")[0][0])
    assert stats["engine"] == "stub"  # the emulator says which engine stood in outside DESCRIBE
    listed = show(conn)
    assert listed == [
        {"id": job, "status": "SUCCESS", "base_model": "mistral-7b", "created_on": info["created_on"]}
    ]
    models = dicts(conn, "SHOW MODELS IN SCHEMA DB.S")
    assert [(m["name"], m["owner"]) for m in models] == [("TUNED", "ACCOUNTADMIN")]


def test_seed_doc_examples_verbatim(emulator):
    conn = emulator.connect(account=emulator.new_account())
    for ddl in (
        "CREATE DATABASE mydb",
        "CREATE SCHEMA mydb.myschema",
        "CREATE DATABASE mydb2",
        "CREATE SCHEMA mydb2.myschema2",
        "USE SCHEMA mydb.myschema",
        "CREATE TABLE train (a VARCHAR, d VARCHAR)",
        "CREATE TABLE validation (a VARCHAR, d VARCHAR)",
        "INSERT INTO train VALUES ('t1', 'd1'), ('t2', 'd2')",
        "INSERT INTO validation VALUES ('v1', 'e1')",
    ):
        run(conn, ddl)
    for t in (
        "my_training_data",
        "my_validation_data",
        "mydb2.myschema2.my_training_data",
        "mydb2.myschema2.my_validation_data",
    ):
        run(conn, f"CREATE TABLE {t} (prompt VARCHAR, completion VARCHAR)")
        run(conn, f"INSERT INTO {t} VALUES ('How to fine-tune?', 'Use FINETUNE.')")
    first = run(
        conn,
        """SELECT SNOWFLAKE.CORTEX.FINETUNE(
  'CREATE',
  'my_tuned_model',
  'mistral-7b',
  'SELECT a AS prompt, d AS completion FROM train',
  'SELECT a AS prompt, d AS completion FROM validation'
);""",
    )[0][0]
    run(conn, "USE DATABASE mydb;")
    run(conn, "USE SCHEMA myschema;")
    second = run(
        conn,
        """SELECT SNOWFLAKE.CORTEX.FINETUNE(
  'CREATE',
  'my_tuned_model',
  'mistral-7b',
  'SELECT prompt, completion FROM my_training_data',
  'SELECT prompt, completion FROM my_validation_data'
);""",
    )[0][0]
    third = run(
        conn,
        """SELECT SNOWFLAKE.CORTEX.FINETUNE(
  'CREATE',
  'mydb.myschema.my_tuned_model',
  'mistral-7b',
  'SELECT prompt, completion FROM mydb2.myschema2.my_training_data',
  'SELECT prompt, completion FROM mydb2.myschema2.my_validation_data'
);""",
    )[0][0]
    names = [wait_status(conn, j, {"SUCCESS"})["model"] for j in (first, second, third)]
    # Cortex: "a suffix is appended to the name of the latter one to make it unique"
    assert names == [
        "MYDB.MYSCHEMA.MY_TUNED_MODEL",
        "MYDB.MYSCHEMA.MY_TUNED_MODEL_1",
        "MYDB.MYSCHEMA.MY_TUNED_MODEL_2",
    ]
    out = run(
        conn,
        """SELECT SNOWFLAKE.CORTEX.COMPLETE(
  'my_tuned_model',
  'How to fine-tune mistral models'
);""",
    )[0][0]
    assert "adapter:MYDB.MYSCHEMA.MY_TUNED_MODEL" in out
    run(conn, "CREATE SCHEMA my_schema")
    run(conn, "CREATE ROLE my_role")
    run(conn, "GRANT CREATE MODEL ON SCHEMA my_schema TO ROLE my_role;")
    assert {j["id"] for j in show(conn)} == {first, second, third}
    assert run(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{first}')")[0][0].startswith("{")


def test_cancel_in_flight_job_leaves_no_model(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn)
    job = finetune(
        conn,
        "CREATE",
        "DB.S.SLOW",
        "llama3-8b",
        f"SELECT prompt, completion FROM {src}",
        None,
        '{"stub_step_seconds": 1.5}',
    )
    wait_status(conn, job, {"IN_PROGRESS"})
    assert finetune(conn, "CANCEL", job) == f"Canceled Cortex Fine-tuning job: {job}"
    info = wait_status(conn, job, {"CANCELLED"}, timeout=5)
    assert info["progress"] < 1.0 and "finished_on" in info
    assert run(conn, "SHOW MODELS IN SCHEMA DB.S") == []
    fails(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CANCEL', '{job}')", 100357, "CANCELLED")


def test_jobs_queue_one_at_a_time(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn)
    slow = '{"stub_step_seconds": 0.4}'
    jobs = [
        finetune(
            conn, "CREATE", f"DB.S.Q{i}", "mistral-7b", f"SELECT prompt, completion FROM {src}", None, slow
        )
        for i in range(2)
    ]
    statuses = [describe(conn, j)["status"] for j in jobs]
    assert "PENDING" in statuses, statuses
    for j in jobs:
        wait_status(conn, j, {"SUCCESS"})


def test_invalid_requests_fail_loudly(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn)
    run(conn, "USE SCHEMA DB.S")
    fails(
        conn,
        f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'm', 'gpt-4', 'SELECT prompt, completion FROM {src}')",
        100357,
        "'gpt-4' is not a model available for fine-tuning",
    )
    fails(
        conn,
        f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'm', 'mistral-7b', 'SELECT prompt, completion "
        f"FROM {src}', NULL, OBJECT_CONSTRUCT('max_epochs', 11))",
        100357,
        "max_epochs",
    )
    fails(
        conn,
        "SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', 'ft_00000000-0000-0000-0000-000000000000')",
        100357,
        "does not exist",
    )
    fails(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('EXPLODE')", 1003, "CREATE, SHOW, DESCRIBE, CANCEL")
    assert show(conn) == []


def test_over_long_rows_are_truncated_not_rejected(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn, rows=1)
    # llama3-8b gives the completion 2k tokens; the stub counts ceil(chars / 4)
    run(conn, f"INSERT INTO {src} VALUES ('short prompt', REPEAT('x', 8200), 'big')")
    job = finetune(conn, "CREATE", "DB.S.BIG", "llama3-8b", f"SELECT prompt, completion FROM {src}",
                   None, '{"max_epochs": 1}')
    info = wait_status(conn, job, {"SUCCESS", "ERROR"})
    assert info["status"] == "SUCCESS" and "error" not in info
    assert "1 rows truncated to llama3-8b's prompt/completion split" in emulator.log_tail(20000)
    first = run(conn, f"SELECT prompt, completion FROM {src} WHERE note = 'ignored'")[0]
    # what the job trained on: the big completion cut to its 2048-token share
    assert info["trained_tokens"] == math.ceil(len(first[0]) / 4) + math.ceil(len(first[1]) / 4) + 3 + 2048
    assert [m["name"] for m in dicts(conn, "SHOW MODELS IN SCHEMA DB.S")] == ["BIG"]


def test_purge_removes_jobs_but_keeps_models(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn)
    job = finetune(conn, "CREATE", "DB.S.KEEP", "mistral-7b", f"SELECT prompt, completion FROM {src}")
    wait_status(conn, job, {"SUCCESS"})
    assert run(conn, "SELECT SYSTEM$CORTEX_LOCAL_PURGE_FINETUNE_JOBS()")[0][0] == "purged 1 fine-tuning jobs"
    assert show(conn) == []
    fails(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job}')", 100357, "does not exist")
    assert [m["name"] for m in dicts(conn, "SHOW MODELS IN SCHEMA DB.S")] == ["KEEP"]
    assert "adapter:DB.S.KEEP" in run(conn, "SELECT SNOWFLAKE.CORTEX.COMPLETE('DB.S.KEEP', 'hi')")[0][0]


def test_jobs_are_per_account(emulator):
    one = emulator.connect(account=emulator.new_account())
    two = emulator.connect(account=emulator.new_account())
    src = training_table(one)
    job = finetune(one, "CREATE", "DB.S.MINE", "mistral-7b", f"SELECT prompt, completion FROM {src}")
    assert show(two) == []
    fails(two, f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job}')", 100357, "does not exist")
