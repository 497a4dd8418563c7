"""Rejects writes into read-only databases (replication secondaries, databases created FROM SHARE)
before any other handler or fakesnow runs them. DROP DATABASE itself stays allowed (for shares,
that is how a consumer removes an imported database)."""

from __future__ import annotations

from sqlglot import Expr, exp

from cortex_local.cortex.readonly import require_writable
from cortex_local.handlers.base import Context, Result
from cortex_local.handlers.common import match, table_parts
from cortex_local.idents import split_name

WRITES = (exp.Create, exp.Drop, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.TruncateTable, exp.Alter)


def _target_db(ctx: Context, expr: Expr) -> str | None:
    kind = str(expr.args.get("kind") or "").upper()
    if kind == "DATABASE":
        return None
    node = expr.this if isinstance(expr, exp.Create | exp.Alter | exp.Insert) else None
    table = node if isinstance(node, exp.Table) else (node or expr).find(exp.Table)
    if table is None:
        return None
    parts = table_parts(table)
    depth = 2 if kind == "SCHEMA" else 3
    if len(parts) == depth:
        return parts[0]
    return ctx.session.database


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(r"(?:CREATE (?:OR REPLACE )?|DROP |ALTER )MODEL (?:IF (?:NOT )?EXISTS )?({QNAME}).*", sql):
        parts = split_name(m[1])
        db = parts[0] if len(parts) == 3 else ctx.session.database
        if db:
            require_writable(ctx.server, ctx.account, db)
        return None
    if isinstance(expr, WRITES):
        db = _target_db(ctx, expr)
        if db:
            require_writable(ctx.server, ctx.account, db)
    return None
