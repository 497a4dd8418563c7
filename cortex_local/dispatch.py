"""Run one statement for a session: our handlers first, fakesnow last; log it either way."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fakesnow.statement_type import DML_TYPE_IDS, UNKNOWN, statement_type_id
from snowflake.connector.errors import DatabaseError, ProgrammingError
from sqlglot import Expr

from cortex_local import parse_cache, tree_transform, wire
from cortex_local.handlers import HANDLERS, Context, CursorResult, Result, Rewritten, session_ctx

if TYPE_CHECKING:
    from cortex_local.server import EmulatorServer
    from cortex_local.session import Session

# sqlglot warns on every statement it falls back to exp.Command for (most of ours)
logging.getLogger("sqlglot").setLevel(logging.ERROR)
parse_cache.install()
tree_transform.install()


def clean(sql: str) -> str:
    sql = sql.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def _parse(sql: str) -> tuple[Expr | None, ProgrammingError | None]:
    try:
        return parse_cache.parse_one(sql), None
    except ProgrammingError as e:
        return None, e


def run_one(
    server: EmulatorServer, session: Session, sql: str, params: wire.Params
) -> tuple[Result | CursorResult, int]:
    """-> (result, statement type id). Raises ProgrammingError for every SQL failure."""
    expr, parse_error = _parse(sql)
    type_id = statement_type_id(expr) if expr is not None else UNKNOWN
    ctx = Context(server, session, params)
    for handler in HANDLERS:
        result = handler(ctx, sql, expr)
        if isinstance(result, Rewritten):  # e.g. UDF calls inlined: the new statement runs from the top
            return run_one(server, session, result.sql, params)[0], type_id
        if result is not None:
            return result, type_id
    if parse_error is not None:
        raise parse_error
    rewritten = session_ctx.rewrite_context_functions(ctx, expr)
    if rewritten is not None:
        sql = rewritten.sql(dialect="snowflake")
    return ctx.fakesnow(sql, params), type_id


def execute(
    server: EmulatorServer,
    session: Session,
    sql_text: str,
    params: wire.Params,
    batch: list[tuple[Any, ...]] | None,
) -> dict[str, Any]:
    """-> the response's `data` (rows part); logs the statement. Raises connector errors."""
    sql = clean(sql_text)
    started = time.perf_counter()
    entry: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(),
        "account": session.account,
        "user": session.user,
        "role": session.role,
        "statement": sql_text,
    }
    try:
        with session.lock:
            if batch is None:
                result, type_id = run_one(server, session, sql, params)
                data = wire.encode_result(result, type_id)
            else:
                total, last = 0, None
                for row in batch:
                    last, type_id = run_one(server, session, sql, row)
                    total += (last.cursor.rowcount or 0) if isinstance(last, CursorResult) else 0
                assert last is not None
                data = (
                    wire.encode_batch(last, type_id, total)
                    if isinstance(last, CursorResult) and type_id in DML_TYPE_IDS
                    else wire.encode_result(last, type_id)
                )
        entry.update(success=True, error_code=None)
        return data
    except (ProgrammingError, DatabaseError) as e:
        entry.update(success=False, error_code=f"{e.errno:06d}" if e.errno else None)
        raise
    except Exception:
        entry.update(success=False, error_code="internal")
        raise
    finally:
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        server.query_log.append(entry)
