"""A logged-in connector session: who (account, user), acting as which role, on which fakesnow
connection (its own DuckDB cursor; current database/schema live on it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fakesnow.conn import FakeSnowflakeConnection


@dataclass
class Session:
    token: str
    account: str
    user: str
    role: str
    conn: FakeSnowflakeConnection
    warehouse: str | None = None
    # one statement at a time per session (the connector may share a connection across threads)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def database(self) -> str | None:
        return self.conn.database if self.conn.database_set else None

    @property
    def schema(self) -> str | None:
        return self.conn.schema if self.conn.schema_set else None
