"""Per-account runtime: one fakesnow FakeSnow (one DuckDB instance) per account.

Table data persists through fakesnow's `db_path`: DATA/accounts/<ACCOUNT>/db/<DATABASE>.db, one
DuckDB file per database; on start every existing file is ATTACHed again. Sessions get their own
DuckDB cursor (fs.connect), as fakesnow's server does.

Hook for other parts (e.g. Cortex functions as DuckDB UDFs + macros): `duck_conn` is the account's
root DuckDB connection; Python UDFs and macros created on it are visible to every session's cursor.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import fakesnow.info_schema as info_schema
import fakesnow.macros as macros
from duckdb import DuckDBPyConnection
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.instance import FakeSnow


def account_dirname(account: str) -> str:
    """A filesystem-safe directory name for an account name."""
    return re.sub(r"[^A-Za-z0-9_.-]", lambda m: f"%{ord(m.group()):02X}", account)


class AccountRuntime:
    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        self.root = root  # DATA/accounts/<ACCOUNT>: other parts may keep files under it
        self.db_dir = root / "db"
        self.db_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()  # guards ATTACH/DETACH on the shared DuckDB instance
        # Snowflake does not create a database or schema because a connection names it.
        self.fs = FakeSnow(create_database_on_connect=False, create_schema_on_connect=False, db_path=self.db_dir)
        for db_file in sorted(self.db_dir.glob("*.db")):
            self._reattach(db_file.stem, db_file)

    @property
    def duck_conn(self) -> DuckDBPyConnection:
        """The account's root DuckDB connection (register UDFs/macros here)."""
        return self.fs.duck_conn

    def _reattach(self, database: str, db_file: Path) -> None:
        quoted = '"' + database.replace('"', '""') + '"'
        path = str(db_file).replace("'", "''")
        self.duck_conn.execute(f"ATTACH DATABASE '{path}' AS {quoted}")
        self.duck_conn.execute(info_schema.per_db_creation_sql(quoted))
        self.duck_conn.execute(macros.creation_sql(quoted))

    def connect(self, database: str | None, schema: str | None) -> FakeSnowflakeConnection:
        with self.lock:
            return self.fs.connect(database, schema)

    def database_exists(self, database: str) -> bool:
        row = (
            self.duck_conn.cursor()
            .execute("select 1 from information_schema.schemata where catalog_name = ?", [database])
            .fetchone()
        )
        return row is not None

    def schema_exists(self, database: str, schema: str) -> bool:
        row = (
            self.duck_conn.cursor()
            .execute(
                "select 1 from information_schema.schemata where catalog_name = ? and schema_name = ?",
                [database, schema],
            )
            .fetchone()
        )
        return row is not None

    def drop_database_files(self, database: str) -> None:
        """DETACH a database and delete its file(s)."""
        quoted = '"' + database.replace('"', '""') + '"'
        with self.lock:
            self.duck_conn.execute(f"DETACH DATABASE IF EXISTS {quoted}")
            for suffix in (".db", ".db.wal"):
                (self.db_dir / f"{database}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        with self.lock:
            try:
                self.duck_conn.execute("CHECKPOINT")
            finally:
                self.duck_conn.close()
