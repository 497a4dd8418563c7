"""Databases created FROM SHARE, seen from the consumer account (besides CREATE/DROP in shares_consumer).

- `GRANT | REVOKE IMPORTED PRIVILEGES ON DATABASE d TO | FROM ROLE r`: the only way to let a role use a
  shared database ("Without database roles, account administrators in data consumer accounts grant a
  single privilege, IMPORTED PRIVILEGES, to roles to allow their users to access all databases and
  database objects ... in a share", https://docs.snowflake.com/user-guide/data-share-providers).
  Recorded as USAGE on the database, which is how SHOW GRANTS prints an IMPORTED PRIVILEGES grant.
  Needs OWNERSHIP of the imported database (or MANAGE GRANTS). The system database SNOWFLAKE takes
  the same grant (https://docs.snowflake.com/en/sql-reference/account-usage); privileges.py answers
  a check for "IMPORTED PRIVILEGES" on a database as one for that USAGE.
- Any other GRANT/REVOKE on a database, schema or object of an imported database fails as Snowflake's
  does: "Granting individual privileges on imported database is not allowed. Use 'GRANT IMPORTED
  PRIVILEGES' instead."
- `SHOW DATABASES [LIKE '...']`: fakesnow's rows with the catalog's owner, LIKE applied, and for an
  imported database kind `IMPORTED DATABASE` and origin `<org>.<account>.<share>`, or `<revoked>` once
  the provider took the share away (https://docs.snowflake.com/en/user-guide/data-share-consumers),
  and its comment (`ALTER DATABASE … SET | UNSET COMMENT`, kept with the import).
- Use of a revoked import (USE, SHOW ... IN it) fails with 003030 (cortex_local.cortex.shares).
The error texts for IMPORTED PRIVILEGES on a database that is not imported are unverified.
"""

from __future__ import annotations

from typing import Any

from sqlglot import Expr

from cortex_local.catalog_records import GrantRec
from cortex_local.cortex import shares as sh
from cortex_local.errors import compilation_error, does_not_exist, insufficient_privileges
from cortex_local.handlers.base import FIXED, TIMESTAMP, Context, Result
from cortex_local.handlers.common import SUCCESS, match
from cortex_local.idents import like_to_regex, norm, quote, split_name, unquote_literal

SYSTEM_DATABASE = "SNOWFLAKE"  # Snowflake's own shared database (ACCOUNT_USAGE), also reached this way
_OBJECT_KINDS = "DATABASE|SCHEMA|MODEL|TABLE|VIEW|FUNCTION"
_USES = (  # statements that use a database: they fail once its share was taken away
    r"USE (?:DATABASE |SCHEMA )?(?P<name>{QNAME})",
    r"SHOW \w+(?: \w+)?(?: LIKE {STRING})? IN (?:DATABASE|SCHEMA) (?P<name>{QNAME})(?: .*)?",
)


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(
        r"(?P<verb>GRANT|REVOKE) IMPORTED PRIVILEGES ON DATABASE (?P<db>{IDENT}) (?:TO|FROM) ROLE (?P<role>{IDENT})",
        sql,
    ):
        return _imported_privileges(ctx, norm(m["db"]), norm(m["role"]), m["verb"].upper() == "GRANT")
    if m := match(
        rf"(?:GRANT|REVOKE) (?:GRANT OPTION FOR )?.+? ON (?P<kind>{_OBJECT_KINDS}) (?P<name>{{QNAME}}) "
        r"(?:TO|FROM) ROLE {IDENT}.*",
        sql,
    ):
        _refuse_individual(ctx, m["kind"].upper(), m["name"])
        return None
    if m := match(r"ALTER DATABASE (?P<ie>IF EXISTS )?(?P<db>{IDENT}) (?:SET COMMENT ?= ?(?P<text>{STRING})|"
                  r"(?P<unset>UNSET COMMENT))", sql):
        return _comment(ctx, norm(m["db"]), None if m["unset"] else unquote_literal(m["text"]))
    if m := match(r"SHOW (?:TERSE )?DATABASES(?: LIKE (?P<like>{STRING}))?", sql):
        return _show_databases(ctx, unquote_literal(m["like"]) if m["like"] else None)
    for pattern in _USES:
        if m := match(pattern, sql):
            _check_available(ctx, m["name"])
    return None


def _database_of(ctx: Context, kind: str, name: str) -> str | None:
    try:
        parts = split_name(name)
    except Exception:
        return None
    depth = {"DATABASE": 1, "SCHEMA": 2}.get(kind, 3)
    if len(parts) == depth:
        return parts[0]
    return ctx.session.database


def _check_available(ctx: Context, name: str) -> None:
    try:
        database = split_name(name)[0]
    except Exception:
        return
    sh.require_available(ctx.server, ctx.account, database)


def _imports(ctx: Context) -> dict[str, dict[str, Any]]:
    return sh.imports_of(ctx.server, ctx.account)


def _refuse_individual(ctx: Context, kind: str, name: str) -> None:
    database = _database_of(ctx, kind, name)
    with ctx.catalog.lock:
        imported = database is not None and database in _imports(ctx)
    if imported:
        raise compilation_error(
            "Granting individual privileges on imported database is not allowed. "
            "Use 'GRANT IMPORTED PRIVILEGES' instead."
        )


def _imported_privileges(ctx: Context, database: str, role: str, grant: bool) -> Result:
    if not ctx.runtime.database_exists(database):
        raise does_not_exist(quote(database), "Database")
    with ctx.catalog.lock:
        if database not in _imports(ctx) and database != SYSTEM_DATABASE:
            raise compilation_error(
                f"IMPORTED PRIVILEGES can only be granted on a database created from a share; "
                f"{quote(database)} is not one. Grant USAGE on it instead."
            )
        if ctx.catalog.role(ctx.account, role) is None:
            raise does_not_exist(quote(role), "Role")
        name = quote(database)
        if not ctx.has("OWNERSHIP", "DATABASE", name) and not ctx.has("MANAGE GRANTS", "ACCOUNT", ctx.account):
            raise insufficient_privileges("database", name)
        if grant:
            ctx.catalog.grant(ctx.account, GrantRec("USAGE", "DATABASE", name, "ROLE", role, ctx.role))
        else:
            ctx.catalog.revoke(ctx.account, "USAGE", "DATABASE", name, "ROLE", role)
    return Result.status(SUCCESS)


def _comment(ctx: Context, database: str, text: str | None) -> Result | None:
    """ALTER DATABASE d SET COMMENT = '…' | UNSET COMMENT on a database created from a share (its owner
    only; https://docs.snowflake.com/en/sql-reference/sql/alter-database): kept with the import and
    shown by SHOW DATABASES. Other databases go on to fakesnow."""
    with ctx.catalog.lock:
        imp = _imports(ctx).get(database)
        if imp is None:
            return None
        if not ctx.has("OWNERSHIP", "DATABASE", quote(database)):
            raise insufficient_privileges("database", quote(database))
        imp["comment"] = text or None
        ctx.catalog.save()
    return Result.status(SUCCESS)


def _show_databases(ctx: Context, like: str | None) -> Result:
    cur = ctx.fakesnow("SHOW DATABASES").cursor
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    pattern = like_to_regex(like) if like is not None else None
    out = []
    with ctx.catalog.lock:
        imports = dict(_imports(ctx))
    for row in rows:
        db = str(row["name"])
        if pattern is not None and not pattern.match(db):
            continue
        owner = ctx.catalog.owner(ctx.account, "DATABASE", quote(db))
        row["owner"] = owner or row.get("owner") or ""
        imp = imports.get(db)
        if imp is not None:
            row["kind"] = "IMPORTED DATABASE"
            row["origin"] = (
                "<revoked>" if imp.get("revoked") else f"{ctx.server.org_name}.{imp['provider']}.{imp['share']}"
            )
            if "comment" in row:
                row["comment"] = imp.get("comment") or row["comment"]
        out.append(tuple(row[n] for n in names))
    types = {"created_on": TIMESTAMP, "retention_time": FIXED}
    columns = [(n, types[n]) if n in types else n for n in names]
    return Result.table(columns, sorted(out, key=lambda r: str(r[names.index("name")])))
