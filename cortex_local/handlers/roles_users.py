"""CREATE/DROP ROLE, CREATE/DROP USER, SHOW ROLES, SHOW USERS (fakesnow lacks roles and crashes on
DROP ROLE; its users have no passwords). Passwords are stored hashed and never shown."""

from __future__ import annotations

import re

from sqlglot import Expr

from cortex_local import privileges
from cortex_local.catalog_records import BUILTIN_ROLES
from cortex_local.errors import compilation_error, does_not_exist, insufficient_privileges, unsupported
from cortex_local.handlers.base import BOOLEAN, FIXED, TIMESTAMP, Context, Result
from cortex_local.handlers.common import (
    SHOW_TAIL,
    STRING,
    already_dropped,
    dropped,
    match,
    owns,
    show_filter,
    starts,
)
from cortex_local.idents import IDENT, norm, quote, unquote_literal

_PROP = re.compile(rf"\s*(\w+)\s*=\s*({STRING}|{IDENT}|\S+)", re.IGNORECASE)
USER_PROPS = ("PASSWORD", "DEFAULT_ROLE", "COMMENT")


def _props(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(text.strip()):
        m = _PROP.match(text, pos)
        if not m:
            raise compilation_error(f"syntax error: unexpected '{text[pos:].strip()[:40]}'")
        key = m[1].upper()
        if key not in USER_PROPS:
            raise unsupported(f"user property {key}")
        raw = m[2]
        out[key] = unquote_literal(raw) if raw.startswith("'") else norm(raw)
        pos = m.end()
    return out


def _require_account(ctx: Context, privilege: str) -> None:
    if not ctx.has(privilege, "ACCOUNT", ctx.account):
        raise insufficient_privileges("account", ctx.account)


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(r"CREATE (OR REPLACE )?ROLE (IF NOT EXISTS )?({IDENT})(?: COMMENT ?= ?({STRING}))?", sql):
        return _create_role(ctx, norm(m[3]), bool(m[1]), bool(m[2]), m[4] and unquote_literal(m[4]))
    if m := match(r"DROP ROLE (IF EXISTS )?({IDENT})", sql):
        return _drop_role(ctx, norm(m[2]), bool(m[1]))
    if m := match(r"CREATE (OR REPLACE )?USER (IF NOT EXISTS )?({IDENT})(.*)", sql):
        return _create_user(ctx, norm(m[3]), bool(m[1]), bool(m[2]), _props(m[4]))
    if m := match(r"DROP USER (IF EXISTS )?({IDENT})", sql):
        return _drop_user(ctx, norm(m[2]), bool(m[1]))
    if m := match(r"SHOW ROLES" + SHOW_TAIL, sql):
        return _show_roles(ctx, m)
    if m := match(r"SHOW USERS" + SHOW_TAIL, sql):
        return _show_users(ctx, m)
    if starts(sql, "ALTER", "USER") or starts(sql, "ALTER", "ROLE"):
        raise unsupported("ALTER USER/ROLE")
    return None


def _create_role(ctx: Context, name: str, replace: bool, if_not_exists: bool, comment: str | None) -> Result:
    _require_account(ctx, "CREATE ROLE")
    with ctx.catalog.lock:
        if ctx.catalog.role(ctx.account, name) is not None:
            if if_not_exists:
                return Result.status(f"{name} already exists, statement succeeded.")
            if not replace or name in BUILTIN_ROLES:
                ctx.catalog.create_role(ctx.account, name, ctx.role)  # raises already exists
            ctx.catalog.drop_role(ctx.account, name)
        ctx.catalog.create_role(ctx.account, name, ctx.role, comment)
    return Result.status(f"Role {quote(name)} successfully created.")


def _drop_role(ctx: Context, name: str, if_exists: bool) -> Result:
    with ctx.catalog.lock:
        rec = ctx.catalog.role(ctx.account, name)
        if rec is None:
            if if_exists:
                return Result.status(already_dropped(quote(name)))
            raise does_not_exist(quote(name), "Role")
        if name in BUILTIN_ROLES or not owns(ctx, rec.owner):
            raise insufficient_privileges("role", quote(name))
        ctx.catalog.drop_role(ctx.account, name)
    return Result.status(dropped(quote(name)))


def _create_user(ctx: Context, name: str, replace: bool, if_not_exists: bool, props: dict[str, str]) -> Result:
    _require_account(ctx, "CREATE USER")
    with ctx.catalog.lock:
        if ctx.catalog.user(ctx.account, name) is not None:
            if if_not_exists:
                return Result.status(f"{name} already exists, statement succeeded.")
            if replace:
                ctx.catalog.drop_user(ctx.account, name)
        ctx.catalog.create_user(
            ctx.account,
            name,
            props.get("PASSWORD"),
            props.get("DEFAULT_ROLE"),
            ctx.role,
            props.get("COMMENT"),
        )
    return Result.status(f"User {quote(name)} successfully created.")


def _drop_user(ctx: Context, name: str, if_exists: bool) -> Result:
    with ctx.catalog.lock:
        rec = ctx.catalog.user(ctx.account, name)
        if rec is None:
            if if_exists:
                return Result.status(already_dropped(quote(name)))
            raise does_not_exist(quote(name), "User")
        if not owns(ctx, rec.owner):
            raise insufficient_privileges("user", quote(name))
        ctx.catalog.drop_user(ctx.account, name)
    return Result.status(dropped(quote(name)))


ROLE_COLUMNS = [
    ("created_on", TIMESTAMP),
    "name",
    "is_default",
    "is_current",
    "is_inherited",
    ("assigned_to_users", FIXED),
    ("granted_to_roles", FIXED),
    ("granted_roles", FIXED),
    "owner",
    "comment",
    "owner_role_type",
]


def _show_roles(ctx: Context, m: re.Match[str]) -> Result:
    flt = show_filter(ctx, m)
    acct = ctx.catalog.account(ctx.account)
    user = ctx.catalog.user(ctx.account, ctx.user)
    inherited = privileges.role_closure(ctx.catalog, ctx.account, ctx.role)
    rows = []
    with ctx.catalog.lock:
        role_grants = [g for g in acct.grants if g.granted_on == "ROLE"]
        for r in sorted(acct.roles.values(), key=lambda r: r.name):
            if not flt.name_ok(r.name):
                continue
            rows.append(
                (
                    r.created_on,
                    r.name,
                    "Y" if user and user.default_role == r.name else "N",
                    "Y" if r.name == ctx.role else "N",
                    "Y" if r.name in inherited and r.name != ctx.role else "N",
                    sum(1 for g in role_grants if g.name == r.name and g.grantee_type == "USER"),
                    sum(1 for g in role_grants if g.name == r.name and g.grantee_type == "ROLE"),
                    sum(1 for g in role_grants if g.grantee == r.name and g.grantee_type == "ROLE"),
                    r.owner or "",
                    r.comment or "",
                    "ROLE" if r.owner else "",
                )
            )
    return Result.table(ROLE_COLUMNS, rows)


USER_COLUMNS = [
    "name",
    ("created_on", TIMESTAMP),
    "login_name",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "mins_to_unlock",
    "days_to_expiry",
    "comment",
    ("disabled", BOOLEAN),
    ("must_change_password", BOOLEAN),
    ("snowflake_lock", BOOLEAN),
    "default_warehouse",
    "default_namespace",
    "default_role",
    "default_secondary_roles",
    ("ext_authn_duo", BOOLEAN),
    "ext_authn_uid",
    "mins_to_bypass_mfa",
    "owner",
    ("last_success_login", TIMESTAMP),
    ("expires_at_time", TIMESTAMP),
    ("locked_until_time", TIMESTAMP),
    ("has_password", BOOLEAN),
    ("has_rsa_public_key", BOOLEAN),
]


def _show_users(ctx: Context, m: re.Match[str]) -> Result:
    flt = show_filter(ctx, m)
    _require_account(ctx, "CREATE USER")  # who may list users: account administrators
    with ctx.catalog.lock:
        users = sorted(ctx.catalog.account(ctx.account).users.values(), key=lambda u: u.name)
        rows = [
            (
                u.name,
                u.created_on,
                u.name,
                u.name,
                None,
                None,
                None,
                None,
                None,
                u.comment,
                False,
                False,
                False,
                None,
                None,
                u.default_role,
                None,
                False,
                None,
                None,
                u.owner,
                None,
                None,
                None,
                bool(u.password_hash),
                False,
            )
            for u in users
            if flt.name_ok(u.name)
        ]
    return Result.table(USER_COLUMNS, rows)
