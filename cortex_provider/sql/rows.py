"""Result rows keyed by column name, and typed getters that tolerate Snowflake's value forms.

Parsers never use column positions: Snowflake adds SHOW columns over time (behaviour-change
bundles), so a row is a mapping from the upper-cased column name to its value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from cortex_provider.errors import ParseError

Row = Mapping[str, Any]


class Rows(list[dict[str, Any]]):
    """A result: rows as dicts, plus the column names (kept even when there are no rows)."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), columns: Sequence[str] = ()) -> None:
        super().__init__(rows)
        self.columns = list(columns)


def rows_from_cursor(description: Sequence[Any] | None, tuples: Iterable[Sequence[Any]]) -> Rows:
    """Zip rows with cursor.description names (name is item [0] or `.name`), upper-cased."""
    if description is None:
        return Rows()
    names = [str(getattr(d, "name", None) or d[0]).upper() for d in description]
    return Rows((dict(zip(names, t, strict=True)) for t in tuples), names)


def normalize(row: Row) -> dict[str, Any]:
    return {str(k).upper(): v for k, v in row.items()}


class Reader:
    """Case-insensitive, typed access to one row, with errors naming the statement and column."""

    def __init__(self, row: Row, what: str) -> None:
        self.row = normalize(row)
        self.what = what

    def has(self, col: str) -> bool:
        return col.upper() in self.row

    def raw(self, col: str, required: bool = True) -> Any:
        key = col.upper()
        if key not in self.row:
            if required:
                raise ParseError(f"{self.what}: column {col!r} missing (got {sorted(self.row)})")
            return None
        return self.row[key]

    def text(self, col: str, required: bool = True) -> str:
        v = self.raw(col, required)
        if v is None:
            if required:
                raise ParseError(f"{self.what}: column {col!r} is NULL")
            return ""
        return str(v)

    def opt_text(self, col: str) -> str | None:
        v = self.raw(col, required=False)
        return None if v is None or v == "" else str(v)

    def flag(self, col: str, required: bool = False) -> bool:
        return to_bool(self.raw(col, required))

    def items(self, col: str, sep: str = ",") -> list[str]:
        """A comma-separated (or JSON array) text column as a list; NULL/'' -> []."""
        v = self.raw(col, required=False)
        if v is None or v == "":
            return []
        if isinstance(v, list):
            return [str(x) for x in v]
        text = str(v).strip()
        if text.startswith("["):
            loaded = json_value(text, f"{self.what}.{col}")
            if isinstance(loaded, list):
                return [str(x) for x in loaded]
        return [p.strip() for p in text.split(sep) if p.strip()]

    def as_json(self, col: str) -> Any:
        v = self.raw(col, required=False)
        if v is None or v == "":
            return None
        return json_value(v, f"{self.what}.{col}")

    def time(self, col: str) -> datetime | str | None:
        v = self.raw(col, required=False)
        return v if isinstance(v, datetime) or v is None else str(v)


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    if isinstance(v, int | float):
        return v != 0
    return str(v).strip().upper() in {"TRUE", "Y", "YES", "T", "1"}


def to_int(v: Any, what: str) -> int:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    try:
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v)  # exact for 64-bit hashes, which floats would round
        if isinstance(v, Decimal):
            return int(v)
        return int(float(v))
    except (TypeError, ValueError) as exc:
        raise ParseError(f"{what}: {v!r} is not a number") from exc


def json_value(v: Any, what: str) -> Any:
    """VARIANT/OBJECT/ARRAY values arrive as JSON text through the connector; accept both."""
    if not isinstance(v, str | bytes):
        return v
    try:
        return json.loads(v)
    except ValueError as exc:
        raise ParseError(f"{what}: not valid JSON: {str(v)[:200]!r}") from exc
