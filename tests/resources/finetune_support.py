"""Shared setup for the FineTunedModel tests: an emulator account with training data, a Session through
the real driver that records every statement, and a core whose waits/logs are fast and captured."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cortex_provider.resources.finetune.core import FineTunedModelCore
from cortex_provider.resources.finetune.lookup import ModelCache
from cortex_provider.resources.finetune.wait import WaitPolicy
from cortex_provider.session import Session, StatementEvent

TRAIN_QUERY = "SELECT prompt, completion FROM DB.S.TRAIN"


def seed(conn: Any, rows: int = 3, table: str = "DB.S.TRAIN") -> None:
    cur = conn.cursor()
    cur.execute("CREATE DATABASE IF NOT EXISTS DB")
    cur.execute("CREATE SCHEMA IF NOT EXISTS DB.S")
    cur.execute(f"CREATE OR REPLACE TABLE {table} (prompt VARCHAR, completion VARCHAR)")
    for i in range(rows):
        cur.execute(f"INSERT INTO {table} VALUES (%s, %s)", (f"Extract from note {i}", f'{{"c": "{i}"}}'))


@dataclass
class Env:
    emulator: Any
    account: str
    session: Session
    conn: Any
    core: FineTunedModelCore
    events: list[StatementEvent] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events if e.error is None]

    def creates_in_log(self) -> int:
        return len(self.logged("FINETUNE('CREATE'"))

    def logged(self, needle: str) -> list[str]:
        """Statements of this account in the emulator's query log that contain `needle`."""
        return [str(e["statement"]) for e in self.emulator.query_log(self.account)
                if needle.upper() in str(e["statement"]).upper()]

    def sql(self, text: str, params: Any = None) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        cur.execute(text, params)
        return list(cur.fetchall()) if cur.description else []

    def models(self) -> list[str]:
        cur = self.conn.cursor()
        cur.execute("SHOW MODELS IN SCHEMA DB.S")
        cols = [d[0].lower() for d in cur.description]
        return sorted(row[cols.index("name")] for row in cur.fetchall())


def make_env(emulator: Any, rows: int = 3, log_every_s: float = 30.0) -> Env:
    account = emulator.new_account()
    conn = emulator.connect(account=account)
    seed(conn, rows)
    env_logs: list[str] = []
    env_warn: list[str] = []
    policy = WaitPolicy(initial_s=0.05, factor=1.5, max_s=0.2, log_every_s=log_every_s,
                        log=env_logs.append, warn=env_warn.append)
    session = Session(emulator.settings(account))
    env = Env(emulator, account, session, conn, FineTunedModelCore(policy, ModelCache(ttl=30.0)),
              logs=env_logs, warnings=env_warn)
    session.observers.append(env.events.append)
    return env


def spec(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "TUNED", "database": "DB", "schema_name": "S", "base_model": "mistral-7b",
        "training_query": TRAIN_QUERY, "options": {"max_epochs": 2},
    }
    base.update(over)
    return base


def slow(step_seconds: float = 1.0, **over: Any) -> dict[str, Any]:
    """A spec whose stub job takes 4 x step_seconds (emulator-only option)."""
    return spec(options={"max_epochs": 1, "stub_step_seconds": step_seconds}, **over)
