"""The connector's REST payloads: decoding bindings, encoding results and errors.

Results travel the way fakesnow's server sends them (arrow IPC base64 for rows, JSON rowsets for
DML counts), reusing its arrow/rowtype helpers so the connector decodes both the same way.
"""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from fakesnow.arrow import to_ipc, to_sf
from fakesnow.converter import from_binding
from fakesnow.rowtype import ColumnInfo, describe_as_rowtype
from fakesnow.statement_type import DML_TYPE_IDS, SELECT

from cortex_local.handlers.base import BOOLEAN, FIXED, REAL, TIMESTAMP, VARIANT, CursorResult, Result

Params = tuple[Any, ...] | dict[str, Any] | None


def decode_bindings(bindings: dict[str, Any] | None) -> tuple[Params, list[tuple[Any, ...]] | None]:
    """-> (params, batch): named -> dict, positional -> tuple, array bindings -> batch of rows."""
    if not bindings:
        return None, None
    if not all(k.isdigit() for k in bindings):
        return {name: from_binding(b) for name, b in bindings.items()}, None
    ordered = [bindings[str(pos)] for pos in range(1, len(bindings) + 1)]
    if any(isinstance(b["value"], list) for b in ordered):
        columns = [[from_binding({**b, "value": v}) for v in b["value"]] for b in ordered]
        return None, list(zip(*columns, strict=True))
    return tuple(from_binding(b) for b in ordered), None


def _column_info(name: str, sf_type: str) -> ColumnInfo:
    info: ColumnInfo = {
        "name": name,
        "database": "",
        "schema": "",
        "table": "",
        "nullable": True,
        "type": sf_type,
        "byteLength": None,
        "length": None,
        "scale": None,
        "precision": None,
        "collation": None,
    }
    if sf_type == FIXED:
        info["precision"], info["scale"] = 38, 0
    elif sf_type == TIMESTAMP:
        info["precision"], info["scale"] = 0, 9
    elif sf_type in ("text", VARIANT):
        info["byteLength"] = info["length"] = 16777216
    return info


def _arrow_type(sf_type: str) -> pa.DataType:
    # timestamps travel as int64 epoch nanoseconds (scale 9), which keeps NULLs intact
    return {FIXED: pa.int64(), REAL: pa.float64(), BOOLEAN: pa.bool_(), TIMESTAMP: pa.int64()}.get(sf_type, pa.string())


def _cell(value: Any, sf_type: str) -> Any:
    if value is None:
        return None
    if sf_type == TIMESTAMP:
        ts = datetime.fromisoformat(value) if isinstance(value, str) else value
        ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
        return int(ts.timestamp()) * 1_000_000_000 + ts.microsecond * 1000
    if sf_type in ("text", VARIANT) and not isinstance(value, str):
        return str(value)
    return value


def encode_result(result: Result | CursorResult, type_id: int) -> dict[str, Any]:
    """-> the `data` fields describing rows: rowtype, total, queryResultFormat, rowset(Base64)."""
    if isinstance(result, CursorResult):
        return _encode_cursor(result, type_id)
    rowtype = [_column_info(c.name, c.type) for c in result.columns]
    arrays = [
        pa.array([_cell(row[i], c.type) for row in result.rows], type=_arrow_type(c.type))
        for i, c in enumerate(result.columns)
    ]
    table = pa.Table.from_arrays(arrays, names=[c.name for c in result.columns])
    payload = b64encode(to_ipc(to_sf(table, rowtype))).decode() if result.rows else ""
    return {
        "rowtype": rowtype,
        "total": len(result.rows),
        "queryResultFormat": "arrow",
        "rowsetBase64": payload,
        "statementTypeId": SELECT if type_id in DML_TYPE_IDS else type_id,
    }


def _describe(cur: Any) -> list[Any]:
    """DESCRIBE of the SQL DuckDB just ran, on the same connection: what fakesnow's
    `_describe_last_sql()` returns, without parsing that SQL with sqlglot and writing it out again
    first (a fifth of a pre-flight query's time). Its result was already fetched (`_arrow_table`).
    Several statements in one text (fakesnow prefixes a SAMPLE's seed) take fakesnow's way."""
    if cur._last_sql is None or ";" in cur._last_sql:
        return list(cur._describe_last_sql())
    return list(cur._duck_conn.execute(f"DESCRIBE {cur._last_sql}", cur._last_params).fetchall())


def _encode_cursor(result: CursorResult, type_id: int, batch_rowcount: int | None = None) -> dict[str, Any]:
    cur = result.cursor
    rowtype = describe_as_rowtype(_describe(cur))
    arrow_table = cur._arrow_table
    data: dict[str, Any] = {"rowtype": rowtype, "statementTypeId": type_id}
    if batch_rowcount is not None and arrow_table is not None and type_id in DML_TYPE_IDS:
        data.update(queryResultFormat="json", rowset=[[str(batch_rowcount)]], total=1)
    elif arrow_table is not None and type_id in DML_TYPE_IDS:
        rows = zip(*[c.to_pylist() for c in arrow_table.columns], strict=True)
        data.update(
            queryResultFormat="json",
            rowset=[[None if v is None else str(v) for v in r] for r in rows],
            total=arrow_table.num_rows,
        )
    elif arrow_table is not None:
        data.update(
            queryResultFormat="arrow",
            total=arrow_table.num_rows,
            rowsetBase64=b64encode(to_ipc(to_sf(arrow_table, rowtype))).decode(),
        )
    else:
        data.update(queryResultFormat="arrow", rowsetBase64="", total=0)
    return data


def encode_batch(result: CursorResult, type_id: int, rowcount: int) -> dict[str, Any]:
    return _encode_cursor(result, type_id, batch_rowcount=rowcount)


def error_body(code: int | str, message: str, sqlstate: str | None = None) -> dict[str, Any]:
    code_s = f"{int(code):06d}" if str(code).lstrip("-").isdigit() else str(code)
    return {
        "data": {"errorCode": code_s, "sqlState": sqlstate},
        "code": code_s,
        "message": message,
        "success": False,
    }
