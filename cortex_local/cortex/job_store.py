"""Fine-tuning job records, persisted one JSON file per job under DIR/cortex/jobs/.

The collected training/validation rows live beside the record (`<id>.rows.json`) so a PENDING or
interrupted job can run again after an emulator restart without re-running the user's queries.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PENDING, IN_PROGRESS, SUCCESS, ERROR, CANCELLED = "PENDING", "IN_PROGRESS", "SUCCESS", "ERROR", "CANCELLED"
TERMINAL = frozenset({SUCCESS, ERROR, CANCELLED})


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class JobRecord:
    id: str
    account: str
    owner_role: str
    base_model: str
    model_db: str
    model_schema: str
    model_name: str
    model: str  # display name, as FINETUNE('DESCRIBE') shows it: DB.SCHEMA.NAME
    training_data: str
    validation_data: str | None
    options: dict[str, Any]
    engine: str
    backing_model: str
    status: str = PENDING
    created_on: int = field(default_factory=now_ms)
    finished_on: int | None = None
    progress: float = 0.0
    trained_tokens: int = 0
    training_result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    # emulator-internal (never in DESCRIBE): a data failure found at CREATE, reported by the job
    deferred_error: dict[str, Any] | None = None
    truncated_rows: int = 0
    # engine statistics (not Cortex-visible): SYSTEM$CORTEX_LOCAL_ENGINE_STATS and the server log
    engine_stats: dict[str, Any] | None = None


class JobStore:
    """Thread-safe in-memory map of job records, written through to disk on every change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._jobs: dict[str, JobRecord] = {}
        for path in sorted(self.root.glob("ft_*.json")):
            if path.name.endswith(".rows.json"):
                continue
            try:
                self._jobs[path.stem] = JobRecord(**json.loads(path.read_text()))
            except (ValueError, TypeError):
                continue  # a torn write from a crash: the job is unrecoverable, skip it

    def _write(self, rec: JobRecord) -> None:
        path = self.root / f"{rec.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(rec)))
        os.replace(tmp, path)

    def add(self, rec: JobRecord, train: list[tuple[str, str]], valid: list[tuple[str, str]]) -> None:
        with self._lock:
            rows = self.root / f"{rec.id}.rows.json"
            rows.write_text(json.dumps({"training": train, "validation": valid}))
            self._jobs[rec.id] = rec
            self._write(rec)

    def rows(self, job_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
        path = self.root / f"{job_id}.rows.json"
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return [tuple(r) for r in data["training"]], [tuple(r) for r in data["validation"]]  # type: ignore[misc]

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[JobRecord]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda r: r.created_on)

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        with self._lock:
            rec = self._jobs[job_id]
            for key, value in changes.items():
                setattr(rec, key, value)
            if rec.status in TERMINAL:
                (self.root / f"{rec.id}.rows.json").unlink(missing_ok=True)
            self._write(rec)
            return rec

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
            (self.root / f"{job_id}.json").unlink(missing_ok=True)
            (self.root / f"{job_id}.rows.json").unlink(missing_ok=True)
