"""The query log: one JSON line per statement (DATA/query_log.jsonl), for tests and benchmarks
to count round trips. Passwords never reach it (see mask_secrets)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

LOG_NAME = "query_log.jsonl"
_PASSWORD = re.compile(r"(\bPASSWORD\s*=?\s*)('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\S+)", re.IGNORECASE)


def mask_secrets(sql: str) -> str:
    """PASSWORD = 'x' -> PASSWORD = '****' (CREATE/ALTER USER and anything else naming one)."""
    return _PASSWORD.sub(lambda m: m.group(1) + "'****'", sql)


class QueryLog:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOG_NAME
        self._lock = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        entry = dict(entry)
        entry["statement"] = mask_secrets(str(entry.get("statement", "")))
        line = json.dumps(entry, default=str)
        with self._lock, self.path.open("a") as f:
            f.write(line + "\n")


def read_query_log(data_dir: str | Path, account: str | None = None) -> list[dict[str, Any]]:
    """Entries (ts, account, user, role, statement, duration_ms, success, error_code), oldest
    first; `account` filters case-insensitively."""
    path = Path(data_dir) / LOG_NAME
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if account is None or str(entry.get("account", "")).upper() == account.upper():
            out.append(entry)
    return out
