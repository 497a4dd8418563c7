"""SHOW GRANTS TO ROLE/USER, ON <object>, OF ROLE, OF DATABASE ROLE — Snowflake's column shapes.
Ownership appears as privilege OWNERSHIP (grant_option true), as in Snowflake."""

from __future__ import annotations

from sqlglot import Expr

from cortex_local.catalog_records import ACCOUNTADMIN, CORTEX_USER, GrantRec
from cortex_local.errors import does_not_exist, unsupported
from cortex_local.handlers.base import BOOLEAN, TIMESTAMP, Context, Result
from cortex_local.handlers.common import match, starts
from cortex_local.handlers.securables import object_type_of, resolve_securable
from cortex_local.idents import norm, quote, split_name

TO_COLUMNS = [
    ("created_on", TIMESTAMP),
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    ("grant_option", BOOLEAN),
    "granted_by",
]
TO_USER_COLUMNS = [
    ("created_on", TIMESTAMP),
    "privilege",
    "granted_on",
    "name",
    "role",
    "granted_to",
    "grantee_name",
    ("grant_option", BOOLEAN),
    "granted_by",
]
OF_COLUMNS = [("created_on", TIMESTAMP), "role", "granted_to", "grantee_name", "granted_by"]


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if starts(sql, "SHOW", "FUTURE", "GRANTS"):
        raise unsupported("SHOW FUTURE GRANTS (future grants)")
    if not starts(sql, "SHOW", "GRANTS"):
        return None
    if m := match(r"SHOW GRANTS TO ROLE ({IDENT})", sql):
        return _to_role(ctx, norm(m[1]))
    if m := match(r"SHOW GRANTS(?: TO USER ({IDENT}))?", sql):
        return _to_user(ctx, norm(m[1]) if m[1] else ctx.user)
    if m := match(r"SHOW GRANTS ON (ACCOUNT|(\w+) ({QNAME}))", sql):
        kind = "ACCOUNT" if m[1].upper() == "ACCOUNT" else object_type_of(m[2])
        return _on(ctx, kind, resolve_securable(ctx, kind, m[3]))
    if m := match(r"SHOW GRANTS OF ROLE ({IDENT})", sql):
        return _of(ctx, "ROLE", norm(m[1]))
    if m := match(r"SHOW GRANTS OF DATABASE ROLE ({QNAME})", sql):
        name = ".".join(split_name(m[1]))
        if name != CORTEX_USER:
            raise does_not_exist(name, "Database role")
        return _of(ctx, "DATABASE_ROLE", name)
    raise unsupported("this form of SHOW GRANTS")


def _row(g: GrantRec) -> tuple[object, ...]:
    return (
        g.created_on,
        g.privilege,
        g.granted_on,
        g.name,
        g.grantee_type,
        g.grantee,
        g.grant_option,
        g.granted_by or "",
    )


def _ownership_rows(
    ctx: Context, role: str | None = None, kind: str | None = None, name: str | None = None
) -> list[tuple[object, ...]]:
    """OWNERSHIP rows for SQL-created objects, models and roles (filtered by owner or by object)."""
    acct = ctx.catalog.account(ctx.account)
    owned: list[tuple[str, str, str, str]] = []  # created_on, type, name, owner
    for key, owner in acct.owners.items():
        t, n = key.split(" ", 1)
        owned.append(("", t, n, owner))
    owned += [(m.created_on, "MODEL", m.qualified, m.owner) for m in acct.models.values()]
    owned += [(r.created_on, "ROLE", quote(r.name), r.owner) for r in acct.roles.values() if r.owner]
    return [
        (created or acct.created_on, "OWNERSHIP", t, n, "ROLE", owner, True, owner)
        for created, t, n, owner in owned
        if (role is None or owner == role) and (kind is None or (t == kind and n == name))
    ]


def _to_role(ctx: Context, role: str) -> Result:
    with ctx.catalog.lock:
        if ctx.catalog.role(ctx.account, role) is None:
            raise does_not_exist(quote(role), "Role")
        rows = [
            _row(g) for g in ctx.catalog.account(ctx.account).grants if g.grantee_type == "ROLE" and g.grantee == role
        ]
        rows += _ownership_rows(ctx, role=role)
    return Result.table(TO_COLUMNS, sorted(rows, key=lambda r: (r[2], r[3], r[1])))


def _to_user(ctx: Context, user: str) -> Result:
    with ctx.catalog.lock:
        if ctx.catalog.user(ctx.account, user) is None:
            raise does_not_exist(quote(user), "User")
        grants = [g for g in ctx.catalog.account(ctx.account).grants if g.grantee_type == "USER" and g.grantee == user]
    rows = [
        (
            g.created_on,
            g.privilege,
            g.granted_on,
            g.name,
            g.name,
            "USER",
            g.grantee,
            g.grant_option,
            g.granted_by or "",
        )
        for g in grants
    ]
    return Result.table(TO_USER_COLUMNS, rows)


def _on(ctx: Context, kind: str, name: str) -> Result:
    with ctx.catalog.lock:
        rows = [_row(g) for g in ctx.catalog.account(ctx.account).grants if g.granted_on == kind and g.name == name]
        if kind != "ACCOUNT":
            rows += _ownership_rows(ctx, kind=kind, name=name)
    return Result.table(TO_COLUMNS, sorted(rows, key=lambda r: (r[1], r[5])))


def _of(ctx: Context, kind: str, name: str) -> Result:
    with ctx.catalog.lock:
        if kind == "ROLE" and ctx.catalog.role(ctx.account, name) is None:
            raise does_not_exist(quote(name), "Role")
        rows = [
            (g.created_on, g.name, g.grantee_type, g.grantee, g.granted_by or ACCOUNTADMIN)
            for g in ctx.catalog.account(ctx.account).grants
            if g.granted_on == kind and g.name == name
        ]
    return Result.table(OF_COLUMNS, rows)
