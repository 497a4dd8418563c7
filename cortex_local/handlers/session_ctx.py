"""USE ROLE / WAREHOUSE / DATABASE / SCHEMA, SYSTEM$CANCEL_ALL_QUERIES (a no-op), and the CURRENT_*()
context functions (fakesnow answers 'duckdb' for CURRENT_ROLE/USER and lacks CURRENT_ACCOUNT,
so we substitute literals)."""

from __future__ import annotations

import re

from sqlglot import Expr, exp

from cortex_local import privileges
from cortex_local.errors import does_not_exist, sql_error
from cortex_local.handlers.base import Column, Context, CursorResult, Result
from cortex_local.handlers.common import SUCCESS, match
from cortex_local.idents import norm, quote, split_name


def _object_missing() -> Exception:
    return sql_error(2043, "SQL compilation error:\nObject does not exist, or operation cannot be performed.", "02000")


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | CursorResult | None:
    if m := match(r"USE ROLE ({IDENT})", sql):
        role = norm(m[1])
        if ctx.catalog.role(ctx.account, role) is None or not privileges.user_may_use_role(
            ctx.catalog, ctx.account, ctx.user, role
        ):
            raise does_not_exist(role, "Role")
        ctx.session.role = role
        return Result.status(SUCCESS)
    if m := match(r"USE WAREHOUSE ({IDENT})", sql):
        ctx.session.warehouse = norm(m[1])  # warehouses are not emulated: the name is only reported back
        return Result.status(SUCCESS)
    if m := match(r"USE (?:DATABASE )?({IDENT})", sql):
        db = norm(m[1])
        if not ctx.runtime.database_exists(db) or not ctx.has("USAGE", "DATABASE", quote(db)):
            raise _object_missing()
        return ctx.fakesnow(f"USE DATABASE {quote(db)}")
    if re.match(r"^\s*SELECT\s+SYSTEM\$CANCEL_ALL_QUERIES\s*\([^)]*\)\s*;?\s*$", sql, re.IGNORECASE):
        # Snowpark's Session.close() sends it. Statements here run to completion before they answer,
        # so there is nothing to cancel (Snowflake's exact reply text is not documented).
        return Result([Column("SYSTEM$CANCEL_ALL_QUERIES")], [("0 queries were canceled",)])
    if m := match(r"USE SCHEMA ({QNAME})", sql):
        parts = split_name(m[1])
        db, schema = ctx.resolve(m[1], 2) if len(parts) <= 2 else (None, None)
        if db is None or schema is None or not ctx.runtime.schema_exists(db, schema):
            raise _object_missing()
        if not (ctx.has("USAGE", "DATABASE", quote(db)) and ctx.has("USAGE", "SCHEMA", f"{quote(db)}.{quote(schema)}")):
            raise _object_missing()
        return ctx.fakesnow(f"USE SCHEMA {quote(db)}.{quote(schema)}")
    return None


CONTEXT_FUNCTIONS = (
    exp.CurrentAccount,
    exp.CurrentAccountName,
    exp.CurrentRole,
    exp.CurrentUser,
    exp.CurrentDatabase,
    exp.CurrentSchema,
    exp.CurrentWarehouse,
    exp.CurrentOrganizationName,
)


def _literal(value: str | None) -> exp.Expression:
    return exp.Null() if value is None else exp.Literal.string(value)


def rewrite_context_functions(ctx: Context, expr: Expr | None) -> Expr | None:
    """Replace CURRENT_ACCOUNT() & co. with the session's truthful values; None if there are none."""
    if expr is None or not any(expr.find_all(*CONTEXT_FUNCTIONS)):
        return None
    s = ctx.session
    values: dict[type[exp.Expression], str | None] = {
        exp.CurrentAccount: s.account,
        exp.CurrentAccountName: s.account,
        exp.CurrentRole: s.role,
        exp.CurrentUser: s.user,
        exp.CurrentDatabase: s.database,
        exp.CurrentSchema: s.schema,
        exp.CurrentWarehouse: s.warehouse,
        exp.CurrentOrganizationName: ctx.server.org_name,
    }

    def swap(node: exp.Expression) -> exp.Expression:
        for kind, value in values.items():
            if type(node) is kind:
                return _literal(value)
        return node

    rewritten = expr.copy().transform(swap)
    # keep the output column names Snowflake shows (the call as written)
    if isinstance(rewritten, exp.Select) and isinstance(expr, exp.Select):
        named = []
        for before, after in zip(expr.expressions, rewritten.expressions, strict=True):
            if isinstance(before, CONTEXT_FUNCTIONS):
                after = exp.alias_(after, before.sql("snowflake").upper(), quoted=True)
            named.append(after)
        rewritten.set("expressions", named)
    return rewritten
