"""FINETUNE DESCRIBE/SHOW JSON, pre-flight and fingerprint rows -> dataclasses.

DESCRIBE returns one OBJECT: id, status, progress, and (depending on status) base_model,
created_on/finished_on (epoch milliseconds), model, training_data, validation_data,
trained_tokens, training_result {validation_loss, training_loss}, error {message}, options.
SHOW returns an ARRAY of smaller objects (id, status, base_model, created_on).
Keys we do not model are kept in `extra` so nothing Snowflake adds is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cortex_provider.errors import ParseError
from cortex_provider.sql.rows import Reader, Row, json_value, to_int


class FinetuneStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in (FinetuneStatus.SUCCESS, FinetuneStatus.ERROR, FinetuneStatus.CANCELLED)

    @classmethod
    def parse(cls, text: Any) -> FinetuneStatus:
        value = str(text).strip().upper()
        if value == "RUNNING":  # the Python API's docstring spelling of IN_PROGRESS
            return cls.IN_PROGRESS
        try:
            return cls(value)
        except ValueError as exc:
            raise ParseError(f"FINETUNE: unknown job status {text!r}") from exc


_KNOWN = {
    "id",
    "status",
    "progress",
    "trained_tokens",
    "base_model",
    "model",
    "created_on",
    "finished_on",
    "training_result",
    "error",
    "training_data",
    "validation_data",
}


@dataclass(frozen=True)
class FinetuneJob:
    id: str
    status: FinetuneStatus
    progress: float | None = None
    trained_tokens: int | None = None
    base_model: str | None = None
    model: str | None = None
    created_on: int | None = None  # epoch milliseconds, as Snowflake returns it
    finished_on: int | None = None
    validation_loss: float | None = None
    training_loss: float | None = None
    error: dict[str, Any] | None = None
    training_data: str | None = None
    validation_data: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def error_message(self) -> str | None:
        if self.error is None:
            return None
        return str(self.error.get("message") or self.error)

    @property
    def created_at(self) -> datetime | None:
        return _ms(self.created_on)

    @property
    def finished_at(self) -> datetime | None:
        return _ms(self.finished_on)


def _ms(v: int | None) -> datetime | None:
    return None if v is None else datetime.fromtimestamp(v / 1000, tz=UTC)


def _opt_float(v: Any, what: str) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"FINETUNE: {what} {v!r} is not a number") from exc


def _opt_int(v: Any, what: str) -> int | None:
    return None if v is None or v == "" else to_int(v, f"FINETUNE: {what}")


def finetune_job_from_obj(obj: Any) -> FinetuneJob:
    obj = json_value(obj, "FINETUNE DESCRIBE")
    if not isinstance(obj, Mapping):
        raise ParseError(f"FINETUNE DESCRIBE: expected an object, got {type(obj).__name__}")
    if "id" not in obj or "status" not in obj:
        raise ParseError(f"FINETUNE DESCRIBE: object lacks id/status: {sorted(obj)}")
    result = obj.get("training_result")
    if isinstance(result, list):  # the Python API documents a list of per-step dicts: keep the last
        result = result[-1] if result else None
    result = result if isinstance(result, Mapping) else {}
    error = obj.get("error")
    if error is not None and not isinstance(error, Mapping):
        error = {"message": str(error)}
    return FinetuneJob(
        id=str(obj["id"]),
        status=FinetuneStatus.parse(obj["status"]),
        progress=_opt_float(obj.get("progress"), "progress"),
        trained_tokens=_opt_int(obj.get("trained_tokens"), "trained_tokens"),
        base_model=_opt_str(obj.get("base_model")),
        model=_opt_str(obj.get("model")),
        created_on=_opt_int(obj.get("created_on"), "created_on"),
        finished_on=_opt_int(obj.get("finished_on"), "finished_on"),
        validation_loss=_opt_float(result.get("validation_loss"), "validation_loss"),
        training_loss=_opt_float(result.get("training_loss"), "training_loss"),
        error=dict(error) if error is not None else None,
        training_data=_opt_str(obj.get("training_data")),
        validation_data=_opt_str(obj.get("validation_data")),
        extra={k: v for k, v in obj.items() if k not in _KNOWN},
    )


def _opt_str(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _single(rows: Iterable[Row], column: str, what: str) -> Any:
    rows = list(rows)
    if len(rows) != 1:
        raise ParseError(f"{what}: expected one row, got {len(rows)}")
    return Reader(rows[0], what).raw(column)


def parse_finetune_create(rows: Iterable[Row]) -> str:
    """The job id returned by FINETUNE('CREATE', ...) (column JOB_ID)."""
    value = _single(rows, "JOB_ID", "FINETUNE CREATE")
    if not value:
        raise ParseError("FINETUNE CREATE: empty job id")
    return str(value)


def parse_finetune_describe(rows: Iterable[Row]) -> FinetuneJob:
    return finetune_job_from_obj(_single(rows, "JOB", "FINETUNE DESCRIBE"))


def parse_finetune_show(rows: Iterable[Row]) -> list[FinetuneJob]:
    value = json_value(_single(rows, "JOBS", "FINETUNE SHOW"), "FINETUNE SHOW")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"FINETUNE SHOW: expected an array, got {type(value).__name__}")
    return [finetune_job_from_obj(item) for item in value]


@dataclass(frozen=True)
class Fingerprint:
    row_count: int
    hash_sum: int
    hash_xor: int

    def __str__(self) -> str:
        return f"rows={self.row_count};sum={self.hash_sum};xor={self.hash_xor & 0xFFFFFFFFFFFFFFFF:016x}"


def parse_fingerprint(rows: Iterable[Row]) -> Fingerprint:
    rows = list(rows)
    if len(rows) != 1:
        raise ParseError(f"FINGERPRINT: expected one row, got {len(rows)}")
    r = Reader(rows[0], "FINGERPRINT")
    return Fingerprint(
        row_count=to_int(r.raw("ROW_COUNT"), "FINGERPRINT ROW_COUNT"),
        hash_sum=to_int(r.raw("HASH_SUM"), "FINGERPRINT HASH_SUM"),
        hash_xor=to_int(r.raw("HASH_XOR"), "FINGERPRINT HASH_XOR"),
    )
