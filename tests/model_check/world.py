"""What the emulator holds for one account, read from the outside (the connector, and the query log):
models, views, fine-tuning jobs, and the statements a step sent.

Observation never changes anything: SHOW and FINETUNE('SHOW'|'DESCRIBE') only. Its own statements land
in the query log too, but between steps, and they read.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MUTATING = ("CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "INSERT", "UPDATE", "DELETE", "MERGE", "COMMENT")
_SQL_STRING = re.compile(r"'((?:[^']|'')*)'")
_CREATE = re.compile(r"FINETUNE\s*\(\s*'CREATE'", re.IGNORECASE)


def is_mutation(statement: str) -> bool:
    """A statement that changes the account: DDL, grants, DML, or a paid FINETUNE('CREATE'|'CANCEL')."""
    head = statement.lstrip().upper()
    return head.startswith(MUTATING) or bool(_CREATE.search(statement)) or "FINETUNE('CANCEL'" in head


@dataclass(frozen=True)
class Create:
    """One FINETUNE('CREATE', ...) as sent: the model and the spec it trains (options normalised:
    keys whose value is null are dropped, so `{}` and `{"max_epochs": null}` are the same spec)."""

    model: str
    base_model: str
    training: str
    validation: str
    options: str

    @property
    def spec(self) -> tuple[str, str, str, str, str]:
        return (self.model, self.base_model, self.training, self.validation, self.options)


def parse_create(statement: str) -> Create | None:
    match = _CREATE.search(statement)
    if match is None:
        return None
    args = [a.replace("''", "'") for a in _SQL_STRING.findall(statement[match.end():])]
    if len(args) < 3:
        return None
    name = args[0].upper() if '"' not in args[0] else args[0]
    validation = args[3] if len(args) > 3 else ""
    options: Any = {}
    if len(args) > 4:
        try:
            options = json.loads(args[4])
        except ValueError:
            options = args[4]
    if isinstance(options, dict):
        options = {k: v for k, v in sorted(options.items()) if v is not None}
    return Create(name.split(".")[-1], args[1].lower(), " ".join(args[2].split()), " ".join(validation.split()),
                  json.dumps(options, sort_keys=True))


class LogTail:
    """The emulator's query log (one JSON line per statement), read on from where the last read stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def read(self, account: str) -> list[str]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        out = []
        for line in complete.decode(errors="replace").splitlines():
            entry = json.loads(line)
            if str(entry.get("account", "")).upper() == account.upper():
                out.append(str(entry.get("statement", "")))
        return out


@dataclass
class Snapshot:
    models: dict[str, str] = field(default_factory=dict)  # name -> created_on (a re-created model differs)
    views: dict[str, str] = field(default_factory=dict)  # name -> text
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> DESCRIBE


def _rows(cur: Any, sql: str) -> list[dict[str, Any]]:
    cur.execute(sql)
    names = [d[0].lower() for d in cur.description]
    return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]


class Observer:
    """Reads one account's state through the connector (reconnects after an emulator restart)."""

    def __init__(self, emulator: Any, account: str, database: str, schema: str) -> None:
        self.emulator, self.account, self.where = emulator, account, f"{database}.{schema}"
        self._conn: Any = None
        self._described: dict[str, dict[str, Any]] = {}  # finished jobs never change

    def _cursor(self) -> Any:
        if self._conn is None:
            self._conn = self.emulator.connect(account=self.account)
        return self._conn.cursor()

    def reset(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # the server it talked to may be gone
                self._conn.close()
        self._conn = None

    def snapshot(self) -> Snapshot:
        cur = self._cursor()
        snap = Snapshot()
        try:
            snap.models = {str(r["name"]): str(r.get("created_on"))
                           for r in _rows(cur, f"SHOW MODELS IN SCHEMA {self.where}")}
            snap.views = {str(r["name"]): " ".join(str(r.get("text") or "").split())
                          for r in _rows(cur, f"SHOW VIEWS IN SCHEMA {self.where}")}
        except Exception as exc:  # the schema does not exist yet
            if "does not exist" not in str(exc):
                raise
        cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('SHOW')")
        for job in json.loads(cur.fetchone()[0]):
            jid = str(job["id"])
            if jid not in self._described:
                cur.execute(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{jid}')")
                info = json.loads(cur.fetchone()[0])
                if info["status"] in ("SUCCESS", "ERROR", "CANCELLED"):
                    self._described[jid] = info
                snap.jobs[jid] = info
            else:
                snap.jobs[jid] = self._described[jid]
        return snap
