"""Statements rejected before anything else runs, so they fail loudly instead of reaching fakesnow:
empty text, several statements in one request (Snowflake's 000008 unless MULTI_STATEMENT_COUNT
allows it), and commands fakesnow would accept without doing what Snowflake does."""

from __future__ import annotations

from sqlglot import Expr, exp

from cortex_local.errors import sql_error, unsupported
from cortex_local.handlers.base import Context, Result
from cortex_local.handlers.common import starts

# fakesnow accepts these silently or crashes on them; we do not emulate them
UNSUPPORTED_PREFIXES = (
    ("CREATE", "WAREHOUSE"),
    ("ALTER", "WAREHOUSE"),
    ("DROP", "WAREHOUSE"),
    ("CREATE", "OR", "REPLACE", "WAREHOUSE"),
    ("CREATE", "NETWORK", "POLICY"),
    ("CREATE", "DATABASE", "ROLE"),
    ("ALTER", "ACCOUNT"),
    ("USE", "SECONDARY", "ROLES"),
    ("CREATE", "ACCOUNT"),
)


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if not sql.strip():
        raise sql_error(900, "Empty SQL statement.", "42000")
    if isinstance(expr, exp.Block):
        count = len(expr.expressions)
        raise sql_error(8, f"Actual statement count {count} did not match the desired statement count 1.", "0A000")
    for words in UNSUPPORTED_PREFIXES:
        if starts(sql, *words):
            raise unsupported(" ".join(words))
    return None
