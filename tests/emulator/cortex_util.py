"""Helpers for the Cortex/shares/replication emulator tests (FINETUNE polling, data setup)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.emulator.helpers import run


def finetune(conn: Any, *args: Any) -> str:
    marks = ", ".join(["%s"] * len(args))
    return str(run(conn, f"SELECT SNOWFLAKE.CORTEX.FINETUNE({marks})", args)[0][0])


def describe(conn: Any, job_id: str) -> dict[str, Any]:
    return json.loads(finetune(conn, "DESCRIBE", job_id))  # type: ignore[no-any-return]


def show(conn: Any) -> list[dict[str, Any]]:
    return json.loads(finetune(conn, "SHOW"))  # type: ignore[no-any-return]


def wait_status(conn: Any, job_id: str, wanted: set[str], timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        info = describe(conn, job_id)
        if info["status"] in wanted:
            return info
        assert time.monotonic() < deadline, f"job {job_id} stuck in {info['status']}: {info}"
        time.sleep(0.1)


def training_table(conn: Any, db: str = "DB", schema: str = "S", table: str = "TRAIN", rows: int = 3) -> str:
    run(conn, f"CREATE DATABASE IF NOT EXISTS {db}")
    run(conn, f"CREATE SCHEMA IF NOT EXISTS {db}.{schema}")
    run(
        conn,
        f"CREATE OR REPLACE TABLE {db}.{schema}.{table} (prompt VARCHAR, completion VARCHAR, note VARCHAR)",
    )
    for i in range(rows):
        run(
            conn,
            f"INSERT INTO {db}.{schema}.{table} VALUES (%s, %s, 'ignored')",
            (f"Extract the condition from: note {i}", f'{{"condition": "c{i}"}}'),
        )
    return f"{db}.{schema}.{table}"


def complete(conn: Any, model: str, prompt: str) -> str:
    return str(run(conn, "SELECT SNOWFLAKE.CORTEX.COMPLETE(%s, %s)", (model, prompt))[0][0])
