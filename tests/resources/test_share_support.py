"""Shared setup for the ModelShare / ModelReplication tests (no tests here): emulator accounts, Sessions
through the real driver, and fine-tuned models made with the stub engine's FINETUNE."""

from __future__ import annotations

import json
import time
from typing import Any

from cortex_provider.session import Session
from cortex_provider.sql.identifiers import AccountName

ORG = "LOCALORG"


def session_for(emulator: Any, account: str) -> Session:
    return Session(emulator.settings(account))


def connector(emulator: Any, seen: list[tuple[str, str | None]] | None = None) -> Any:
    """The core's target connector for the emulator: one account = one `account` connect parameter."""
    sessions: dict[str, Session] = {}

    def connect(acct: AccountName, connection: str | None) -> Session:
        if seen is not None:
            seen.append((acct.sql(), connection))
        if acct.account not in sessions:
            sessions[acct.account] = session_for(emulator, acct.account)
        return sessions[acct.account]

    return connect


def sql(conn: Any, text: str, params: Any = None) -> list[dict[str, Any]]:
    cur = conn.cursor()
    cur.execute(text, params)
    if not cur.description:
        return []
    names = [d[0].lower() for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def seed(conn: Any, db: str = "DB", schema: str = "S") -> None:
    sql(conn, f"CREATE DATABASE IF NOT EXISTS {db}")
    sql(conn, f"CREATE SCHEMA IF NOT EXISTS {db}.{schema}")
    sql(conn, f"CREATE OR REPLACE TABLE {db}.{schema}.TRAIN (prompt VARCHAR, completion VARCHAR)")
    for i in range(3):
        sql(conn, f"INSERT INTO {db}.{schema}.TRAIN VALUES (%s, %s)", (f"note {i}", f'{{"c": "{i}"}}'))


def train(conn: Any, model: str, db: str = "DB", schema: str = "S", timeout: float = 30.0) -> str:
    """FINETUNE a model with the stub engine and wait for SUCCESS; returns the job id."""
    query = f"SELECT prompt, completion FROM {db}.{schema}.TRAIN"
    job = str(sql(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', %s, 'llama3-8b', %s) AS J",
                  (f"{db}.{schema}.{model}", query))[0]["j"])
    deadline = time.monotonic() + timeout
    while True:
        info = json.loads(sql(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', %s) AS J", (job,))[0]["j"])
        if info["status"] == "SUCCESS":
            return job
        assert info["status"] not in ("ERROR", "CANCELLED"), info
        assert time.monotonic() < deadline, f"job {job} stuck: {info}"
        time.sleep(0.05)


def models_in(conn: Any) -> list[str]:
    return sorted(f"{r['database_name']}.{r['schema_name']}.{r['name']}" for r in sql(conn, "SHOW MODELS IN ACCOUNT"))


def complete(conn: Any, model: str, prompt: str = "Extract from: hello") -> str:
    return str(sql(conn, "SELECT SNOWFLAKE.CORTEX.COMPLETE(%s, %s) AS C", (model, prompt))[0]["c"])
