"""Shared setup for the grant / TrainingView core tests: an isolated emulator account, a Session
through the real driver, an admin connection for changes "by hand", and query-log helpers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from cortex_provider.resources.grant_cache import SHOW_CACHE
from cortex_provider.session import Session

DDL_PREFIXES = ("GRANT", "REVOKE", "CREATE", "DROP", "ALTER")


@dataclass
class Acct:
    emulator: Any
    name: str
    session: Session
    conn: Any

    def sql(self, text: str) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        cur.execute(text)
        return list(cur.fetchall()) if cur.description else []

    def log(self) -> list[str]:
        return [str(e["statement"]) for e in self.emulator.query_log(self.name)]

    def mark(self) -> int:
        return len(self.log())

    def since(self, mark: int) -> list[str]:
        return self.log()[mark:]

    def ddl_since(self, mark: int) -> list[str]:
        return [s for s in self.since(mark) if s.lstrip().upper().startswith(DDL_PREFIXES)]

    def grants_to(self, role: str) -> set[tuple[str, str, str]]:
        """(privilege, granted_on, name) held by `role`, as SHOW GRANTS TO ROLE prints them."""
        return {(r[1], r[2], r[3]) for r in self.sql(f"SHOW GRANTS TO ROLE {role}")}

    def fresh_read(self) -> None:
        """Forget cached SHOW results (a new provider process / a new `pulumi refresh`)."""
        SHOW_CACHE.clear()

    def make_model(self, name: str) -> str:
        """A fine-tuned MODEL object DB.S.<name>, made by FINETUNE on the stub engine."""
        self.sql("CREATE TABLE IF NOT EXISTS DB.S.FT_TRAIN (prompt VARCHAR, completion VARCHAR)")
        if not self.sql("SELECT COUNT(*) FROM DB.S.FT_TRAIN")[0][0]:
            self.sql("INSERT INTO DB.S.FT_TRAIN VALUES ('say hi', 'hi'), ('say bye', 'bye')")
        job = self.sql(
            f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.{name}', 'mistral-7b', "
            "'SELECT prompt, completion FROM DB.S.FT_TRAIN')"
        )[0][0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = self.sql(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job}')")[0][0]
            if '"SUCCESS"' in status:
                return f"DB.S.{name}"
            assert '"ERROR"' not in status and '"CANCELLED"' not in status, status
            time.sleep(0.1)
        raise AssertionError(f"FINETUNE job {job} did not finish: {status}")
