"""Billed trained tokens follow Snowflake's rule (COUNT_TOKENS of prompt + completion x epochs), the
automatic validation split, the usage-history view, and the engine's own figures kept apart."""

from __future__ import annotations

import hashlib
import json
import math

from tests.emulator.cortex_util import finetune, wait_status
from tests.emulator.helpers import dicts, fails, run

USAGE = "SNOWFLAKE.ACCOUNT_USAGE.CORTEX_FINE_TUNING_USAGE_HISTORY"


def _table(conn, rows: list[tuple[str, str]]) -> str:
    run(conn, "CREATE DATABASE IF NOT EXISTS DB")
    run(conn, "CREATE SCHEMA IF NOT EXISTS DB.S")
    run(conn, "CREATE OR REPLACE TABLE DB.S.T (prompt VARCHAR, completion VARCHAR)")
    run(conn, "INSERT INTO DB.S.T VALUES " + ", ".join(["(%s, %s)"] * len(rows)), [v for r in rows for v in r])
    run(conn, "USE SCHEMA DB.S")
    return "DB.S.T"


def _rows(n: int) -> list[tuple[str, str]]:
    return [(f"Extract the condition from: patient {i} " + "x" * (i % 7), f'{{"c": "{i * 13}"}}') for i in range(n)]


def _stub_tokens(text: str) -> int:  # the stub engine's COUNT_TOKENS
    return math.ceil(len(text) / 4)


def test_without_validation_query_bills_the_trained_split(emulator):
    conn = emulator.connect(account=emulator.new_account())
    rows = _rows(40)
    src = _table(conn, rows)
    job = finetune(conn, "CREATE", "M1", "llama3.1-8b", f"SELECT prompt, completion FROM {src}", None,
                   '{"max_epochs": 2}')
    info = wait_status(conn, job, {"SUCCESS"})
    # independent of the emulator's code: 10% held out, the first rows by MD5(prompt|completion)
    order = sorted(rows, key=lambda r: hashlib.md5(f"{r[0]}|{r[1]}".encode()).hexdigest())
    trained = order[4:]
    expected = sum(_stub_tokens(p) + _stub_tokens(c) for p, c in trained) * 2
    assert info["trained_tokens"] == expected
    # and the same figure from the account's own COUNT_TOKENS, with the split done in SQL
    (sql_total,) = run(conn, f"""
        SELECT SUM(SNOWFLAKE.CORTEX.COUNT_TOKENS('llama3.1-8b', prompt)
                 + SNOWFLAKE.CORTEX.COUNT_TOKENS('llama3.1-8b', completion)) * 2
        FROM (SELECT prompt, completion,
                     ROW_NUMBER() OVER (ORDER BY MD5(prompt || '|' || completion)) AS k FROM {src})
        WHERE k > 4""")[0]
    assert info["trained_tokens"] == sql_total
    assert info["training_result"]["validation_loss"] is not None  # the held-out rows were evaluated


def test_validation_query_rows_are_not_billed(emulator):
    conn = emulator.connect(account=emulator.new_account())
    rows = _rows(12)
    src = _table(conn, rows)
    job = finetune(conn, "CREATE", "M2", "llama3.1-8b", f"SELECT prompt, completion FROM {src}",
                   f"SELECT prompt, completion FROM {src} LIMIT 3", '{"max_epochs": 3}')
    info = wait_status(conn, job, {"SUCCESS"})
    assert info["trained_tokens"] == sum(_stub_tokens(p) + _stub_tokens(c) for p, c in rows) * 3


def test_usage_history_view_and_engine_stats(emulator):
    account = emulator.new_account()
    conn = emulator.connect(account=account)
    src = _table(conn, _rows(5))
    job = finetune(conn, "CREATE", "M3", "llama3.1-8b", f"SELECT prompt, completion FROM {src}", None,
                   '{"max_epochs": 1}')
    info = wait_status(conn, job, {"SUCCESS"})
    assert info["trained_tokens"] > 0
    usage = dicts(conn, f"SELECT START_TIME, END_TIME, MODEL_NAME, TOKEN_CREDITS, TOKENS FROM {USAGE}")
    assert [(u["MODEL_NAME"], int(u["TOKENS"]), u["TOKEN_CREDITS"]) for u in usage] == [
        ("llama3.1-8b", info["trained_tokens"], None)  # no credit rate is shipped as fact
    ]
    (hour,) = usage
    assert (hour["END_TIME"] - hour["START_TIME"]).total_seconds() == 3600
    assert hour["START_TIME"].timestamp() * 1000 <= info["finished_on"] < hour["END_TIME"].timestamp() * 1000
    stats = json.loads(run(conn, f"SELECT SYSTEM$CORTEX_LOCAL_ENGINE_STATS('{job}')")[0][0])
    assert stats["trained_tokens"] == info["trained_tokens"]
    assert stats["engine_trained_tokens"] > 0 and stats["training_rows"] == 5
    # Account Usage is ACCOUNTADMIN's by default: another role sees no such object
    run(conn, "CREATE ROLE IF NOT EXISTS PLAIN")
    run(conn, "GRANT ROLE PLAIN TO USER ADMIN")
    other = emulator.connect(account=account, role="PLAIN")
    fails(other, f"SELECT * FROM {USAGE}", 2003)


def test_over_long_rows_bill_their_truncated_tokens(emulator):
    conn = emulator.connect(account=emulator.new_account())
    # llama3.1-8b: 20k prompt / 4k completion tokens (the stub counts ceil(chars / 4))
    rows = [("p" * (4 * 25_000), "c" * 10), ("short prompt", "d" * (4 * 5_000 + 3)), ("ok", "fine")]
    src = _table(conn, rows)
    job = finetune(conn, "CREATE", "M4", "llama3.1-8b", f"SELECT prompt, completion FROM {src}",
                   f"SELECT prompt, completion FROM {src} LIMIT 1", '{"max_epochs": 2}')
    info = wait_status(conn, job, {"SUCCESS"}, timeout=60)
    per_epoch = (20_480 + 3) + (_stub_tokens("short prompt") + 4_096) + (1 + 1)
    assert info["trained_tokens"] == per_epoch * 2
    (untruncated,) = run(conn, f"""SELECT SUM(SNOWFLAKE.CORTEX.COUNT_TOKENS('llama3.1-8b', prompt)
        + SNOWFLAKE.CORTEX.COUNT_TOKENS('llama3.1-8b', completion)) FROM {src}""")[0]
    assert untruncated > per_epoch  # the rows really were over the split
