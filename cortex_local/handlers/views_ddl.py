"""CREATE [OR REPLACE] VIEW (privilege check, ownership, its text and COMMENT recorded), ALTER VIEW …
SET/UNSET COMMENT and GET_DDL('VIEW', ...), which fakesnow lacks. SHOW VIEWS is fakesnow's (Snowflake's
columns) with the `comment` column filled from the record (fakesnow leaves it empty)."""

from __future__ import annotations

import re

from sqlglot import Expr, exp

from cortex_local import privileges
from cortex_local.catalog_records import ViewRec
from cortex_local.errors import does_not_exist, insufficient_privileges, unsupported
from cortex_local.handlers.base import BOOLEAN, TEXT, TIMESTAMP, Context, CursorResult, Result
from cortex_local.handlers.common import SHOW_TAIL, SUCCESS, match, table_parts
from cortex_local.handlers.objects import require_create_in_schema
from cortex_local.handlers.securables import table_exists
from cortex_local.idents import QNAME, qualified, quote, unquote_literal

_HEAD = re.compile(
    rf"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(SECURE\s+)?(?:RECURSIVE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?{QNAME}",
    re.IGNORECASE,
)


_COMMENT = re.compile(r"^\s*COMMENT\s*=\s*('(?:[^'\\]|''|\\.)*')", re.IGNORECASE)
_TYPES = {"created_on": TIMESTAMP, "is_secure": BOOLEAN, "is_materialized": BOOLEAN}


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | CursorResult | None:
    if m := match(r"ALTER VIEW (IF EXISTS )?({QNAME}) (?:SET COMMENT ?= ?({STRING})|(UNSET COMMENT))", sql):
        return _set_comment(ctx, m[2], bool(m[1]), None if m[4] else unquote_literal(m[3]))
    if match(r"SHOW (?:TERSE )?VIEWS" + SHOW_TAIL, sql):
        return _show_views(ctx, sql)
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
    said = _COMMENT.match(body)
    comment = unquote_literal(said[1]) if said else None
    ctx.catalog.record_view(ctx.account, ViewRec(db, schema, name, ddl, comment))
    if not existed or expr.args.get("replace"):
        ctx.catalog.set_owner(ctx.account, "VIEW", qualified(db, schema, name), ctx.role)
    return result


def _set_comment(ctx: Context, name: str, if_exists: bool, text: str | None) -> Result:
    """ALTER VIEW [IF EXISTS] v SET COMMENT = '…' | UNSET COMMENT: the view's owner only
    (https://docs.snowflake.com/en/sql-reference/sql/alter-view)."""
    db, schema, obj = ctx.resolve(name, 3)
    key = qualified(db, schema, obj)
    with ctx.catalog.lock:
        view = ctx.catalog.view(ctx.account, key)
        if view is None or not table_exists(ctx, db, schema, obj, "VIEW"):
            if if_exists:
                return Result.status(SUCCESS)
            raise does_not_exist(key)
        if not ctx.has("OWNERSHIP", "VIEW", key):
            raise insufficient_privileges("view", quote(obj))
        view.comment = text or None
        ctx.catalog.record_view(ctx.account, view)
    return Result.status(SUCCESS)


def _show_views(ctx: Context, sql: str) -> Result:
    cur = ctx.fakesnow(sql, ctx.params).cursor
    # the names of the result fakesnow fetched (its `description` would parse and DESCRIBE the query again)
    names = list(cur._arrow_table.column_names) if cur._arrow_table is not None else [d[0] for d in cur.description]
    rows = [list(r) for r in cur.fetchall()]
    at = {n: i for i, n in enumerate(names)}
    if {"database_name", "schema_name", "name", "comment", "owner"} <= set(at):
        roles = privileges.role_closure(ctx.catalog, ctx.account, ctx.role)  # once, not once per view
        shown = []
        for row in rows:
            key = qualified(row[at["database_name"]], row[at["schema_name"]], row[at["name"]])
            view = ctx.catalog.view(ctx.account, key)
            if view is None:
                shown.append(row)  # not made through CREATE VIEW here (fakesnow's own): as fakesnow prints it
                continue
            # SHOW lists only the views the current role holds a privilege on, each with the role that
            # owns it (docs.snowflake.com/en/sql-reference/sql/show-views: the owner column)
            if not privileges.has_privilege(ctx.catalog, ctx.account, ctx.role, "SELECT", "VIEW", key, roles):
                continue
            row[at["owner"]] = ctx.catalog.owner(ctx.account, "VIEW", key) or row[at["owner"]]
            if view.comment is not None:
                row[at["comment"]] = view.comment
            shown.append(row)
        rows = shown
    return Result.table([(n, _TYPES.get(n, TEXT)) for n in names], rows)


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
