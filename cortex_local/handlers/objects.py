"""Databases, schemas, tables, views through fakesnow, with ownership and privilege checks in front:
CREATE DATABASE needs CREATE DATABASE on the account; CREATE SCHEMA needs USAGE + CREATE SCHEMA on
the database; CREATE TABLE/VIEW need USAGE on the database and USAGE + CREATE TABLE/VIEW on the
schema; DROP needs OWNERSHIP. The creating role owns what it creates. DROP DATABASE (which fakesnow
lacks) detaches and deletes the database's DuckDB file and drops its models."""

from __future__ import annotations

from sqlglot import Expr, exp

from cortex_local.errors import already_exists, does_not_exist, insufficient_privileges
from cortex_local.handlers.base import Context, CursorResult, Result
from cortex_local.handlers.common import (
    already_dropped,
    dropped,
    ident_name,
    require_database,
    require_schema,
    table_parts,
)
from cortex_local.idents import qualified, quote


def require_create_in_schema(ctx: Context, db: str, schema: str, privilege: str) -> None:
    """USAGE on the database, USAGE + `privilege` (e.g. CREATE MODEL) on the schema."""
    require_schema(ctx, db, schema)
    ctx.require("USAGE", "DATABASE", qualified(db), db)
    sname = qualified(db, schema)
    if not (ctx.has("USAGE", "SCHEMA", sname) and ctx.has(privilege, "SCHEMA", sname)):
        raise insufficient_privileges("schema", schema)


def _kind(expr: Expr) -> str:
    return str(expr.args.get("kind") or "").upper()


def _target(ctx: Context, expr: Expr, kind: str) -> tuple[str, ...]:
    node = expr.this if isinstance(expr, exp.Create) else (expr.args.get("tables") or [None])[0]
    if isinstance(node, exp.Schema):
        node = node.this
    if isinstance(node, exp.Identifier):
        name = quote(ident_name(node) or "")
    else:
        assert isinstance(node, exp.Table), f"no object name in {expr.sql('snowflake')}"
        name = ".".join(quote(p) for p in table_parts(node))
    return ctx.resolve(name, {"DATABASE": 1, "SCHEMA": 2}.get(kind, 3))


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | CursorResult | None:
    if isinstance(expr, exp.Create) and _kind(expr) in ("DATABASE", "SCHEMA", "TABLE"):
        return _create(ctx, sql, expr, _kind(expr))
    if isinstance(expr, exp.Drop) and _kind(expr) in ("DATABASE", "SCHEMA", "TABLE", "VIEW"):
        return _drop(ctx, sql, expr, _kind(expr))
    return None


def _create(ctx: Context, sql: str, expr: Expr, kind: str) -> Result | CursorResult:
    parts = _target(ctx, expr, kind)
    if kind == "DATABASE":
        if not ctx.has("CREATE DATABASE", "ACCOUNT", ctx.account):
            raise insufficient_privileges("account", ctx.account)
        exists = ctx.runtime.database_exists(parts[0])
        if exists and expr.args.get("exists"):
            return Result.status(f"{quote(parts[0])} already exists, statement succeeded.")
        if exists and not expr.args.get("replace"):
            raise already_exists(quote(parts[0]))
        if exists and expr.args.get("replace"):
            _drop_database(ctx, parts[0])
        result = ctx.fakesnow(sql, ctx.params)
        if not exists or expr.args.get("replace"):
            ctx.catalog.set_owner(ctx.account, "DATABASE", qualified(*parts), ctx.role)
            # Snowflake gives every new database a PUBLIC schema and makes both current
            ctx.fakesnow(f"CREATE SCHEMA IF NOT EXISTS {qualified(parts[0], 'PUBLIC')}")
            ctx.catalog.set_owner(ctx.account, "SCHEMA", qualified(parts[0], "PUBLIC"), ctx.role)
        return result
    if kind == "SCHEMA":
        require_database(ctx, parts[0])
        ctx.require("USAGE", "DATABASE", qualified(parts[0]), parts[0])
        if not ctx.has("CREATE SCHEMA", "DATABASE", qualified(parts[0])):
            raise insufficient_privileges("database", parts[0])
        exists = ctx.runtime.schema_exists(*parts)
        if exists and expr.args.get("exists"):
            return Result.status(f"{quote(parts[1])} already exists, statement succeeded.")
    else:
        require_create_in_schema(ctx, parts[0], parts[1], "CREATE TABLE")
        exists = False
    result = ctx.fakesnow(sql, ctx.params)
    if not exists or expr.args.get("replace"):
        ctx.catalog.set_owner(ctx.account, kind, qualified(*parts), ctx.role)
    return result


def _drop(ctx: Context, sql: str, expr: Expr, kind: str) -> Result | CursorResult:
    parts = _target(ctx, expr, kind)
    name = qualified(*parts)
    if kind == "DATABASE":
        if not ctx.runtime.database_exists(parts[0]):
            if expr.args.get("exists"):
                return Result.status(already_dropped(quote(parts[0])))
            raise does_not_exist(name, "Database")
        ctx.require("OWNERSHIP", "DATABASE", name, parts[0])
        _drop_database(ctx, parts[0])
        return Result.status(dropped(quote(parts[0])))
    if not ctx.has("OWNERSHIP", kind, name) and _exists(ctx, kind, parts):
        raise insufficient_privileges(kind, parts[-1])
    result = ctx.fakesnow(sql, ctx.params)
    ctx.catalog.forget_object(ctx.account, kind, name)
    if kind == "SCHEMA":
        for model in ctx.catalog.models(ctx.account, parts[0], parts[1]):
            ctx.catalog.drop_model(ctx.account, model.database, model.schema, model.name)
    return result


def _exists(ctx: Context, kind: str, parts: tuple[str, ...]) -> bool:
    from cortex_local.handlers.securables import table_exists

    if kind == "SCHEMA":
        return ctx.runtime.schema_exists(*parts)
    return ctx.runtime.schema_exists(parts[0], parts[1]) and table_exists(ctx, *parts, kind)


def _drop_database(ctx: Context, db: str) -> None:
    for model in ctx.catalog.models(ctx.account, db):
        ctx.catalog.drop_model(ctx.account, model.database, model.schema, model.name)
    ctx.runtime.drop_database_files(db)
    ctx.catalog.forget_object(ctx.account, "DATABASE", qualified(db))
    conn = ctx.session.conn
    if conn.database == db:
        conn.database, conn._schema = None, None
        conn.database_set = conn.schema_set = False
