"""CREATE [OR REPLACE] VIEW (privilege check, ownership, its text recorded) and GET_DDL('VIEW', ...),
which fakesnow lacks. SHOW VIEWS itself is fakesnow's (Snowflake's columns)."""

from __future__ import annotations

import re

from sqlglot import Expr, exp

from cortex_local.catalog_records import ViewRec
from cortex_local.errors import does_not_exist, unsupported
from cortex_local.handlers.base import Context, CursorResult, Result
from cortex_local.handlers.common import table_parts
from cortex_local.handlers.objects import require_create_in_schema
from cortex_local.handlers.securables import table_exists
from cortex_local.idents import QNAME, qualified, quote

_HEAD = re.compile(
    rf"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(SECURE\s+)?(?:RECURSIVE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?{QNAME}",
    re.IGNORECASE,
)


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | CursorResult | None:
    if isinstance(expr, exp.Create) and str(expr.args.get("kind") or "").upper() == "VIEW":
        return _create_view(ctx, sql, expr)
    if isinstance(expr, exp.Select) and any(
        isinstance(f, exp.Anonymous) and f.name.upper() == "GET_DDL" for f in expr.find_all(exp.Anonymous)
    ):
        return _get_ddl(ctx, expr)
    return None


def _create_view(ctx: Context, sql: str, expr: Expr) -> CursorResult:
    node = expr.this.this if isinstance(expr.this, exp.Schema) else expr.this
    assert isinstance(node, exp.Table)
    db, schema, name = ctx.resolve(".".join(quote(p) for p in table_parts(node)), 3)
    require_create_in_schema(ctx, db, schema, "CREATE VIEW")
    existed = table_exists(ctx, db, schema, name, "VIEW")
    result = ctx.fakesnow(sql, ctx.params)
    head = _HEAD.match(sql)
    secure = "secure " if head and head[1] else ""
    body = sql[head.end() :] if head else " as " + expr.expression.sql("snowflake")
    ddl = f"create or replace {secure}view {qualified(db, schema, name)}{body};"
    ctx.catalog.record_view(ctx.account, ViewRec(db, schema, name, ddl))
    if not existed or expr.args.get("replace"):
        ctx.catalog.set_owner(ctx.account, "VIEW", qualified(db, schema, name), ctx.role)
    return result


def _get_ddl(ctx: Context, expr: exp.Select) -> Result:
    if len(expr.expressions) != 1 or expr.args.get("from_") or expr.args.get("from"):
        raise unsupported("GET_DDL inside a larger query (use SELECT GET_DDL('VIEW', 'name'))")
    call = expr.expressions[0]
    inner = call.this if isinstance(call, exp.Alias) else call
    if (
        not isinstance(inner, exp.Anonymous)
        or len(inner.expressions) < 2
        or not all(isinstance(a, exp.Literal) and a.is_string for a in inner.expressions[:2])
    ):
        raise unsupported("GET_DDL with non-literal arguments")
    kind, name = (a.this for a in inner.expressions[:2])
    if kind.upper() != "VIEW":
        raise unsupported(f"GET_DDL('{kind}', ...) (only VIEW)")
    db, schema, obj = ctx.resolve(name, 3)
    key = qualified(db, schema, obj)
    view = ctx.catalog.view(ctx.account, key)
    if view is None or not table_exists(ctx, db, schema, obj, "VIEW") or not ctx.has("SELECT", "VIEW", key):
        raise does_not_exist(key)
    column = call.alias if isinstance(call, exp.Alias) else inner.sql("snowflake")
    return Result.table([column], [(view.ddl,)])
