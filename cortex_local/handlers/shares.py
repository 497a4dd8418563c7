"""Share statements, provider side; state and semantics in cortex_local.cortex.shares.

CREATE/DROP SHARE, ALTER SHARE ... ADD|REMOVE|SET ACCOUNTS = ..., SET COMMENT, and
GRANT/REVOKE USAGE ON DATABASE|SCHEMA|MODEL ... TO|FROM SHARE. The read and consumer side
(SHOW SHARES, SHOW GRANTS TO|OF SHARE, CREATE DATABASE ... FROM SHARE) is in shares_consumer.
"""

from __future__ import annotations

from sqlglot import Expr

from cortex_local.catalog_records import now
from cortex_local.cortex import shares as sh
from cortex_local.errors import (
    already_exists,
    compilation_error,
    does_not_exist,
    insufficient_privileges,
    unsupported,
)
from cortex_local.handlers.base import Context, Result
from cortex_local.handlers.common import SUCCESS, already_dropped, dropped, match, owns
from cortex_local.idents import norm, qualified, unquote_literal

ACCOUNT_LIST = r"(?P<accts>[\w.\"]+(?: ?, ?[\w.\"]+)*)"


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(
        r"CREATE (?P<replace>OR REPLACE )?SHARE (?P<ine>IF NOT EXISTS )?(?P<name>{IDENT})"
        r"(?: COMMENT ?= ?(?P<comment>{STRING}))?",
        sql,
    ):
        return _create(
            ctx,
            norm(m["name"]),
            bool(m["replace"]),
            bool(m["ine"]),
            unquote_literal(m["comment"]) if m["comment"] else None,
        )
    if m := match(r"DROP SHARE (?P<ie>IF EXISTS )?(?P<name>{IDENT})", sql):
        return _drop(ctx, norm(m["name"]), bool(m["ie"]))
    if m := match(
        r"ALTER SHARE (?P<ie>IF EXISTS )?(?P<name>{IDENT}) (?P<op>ADD|REMOVE|SET) ACCOUNTS ?= ?"
        + ACCOUNT_LIST
        + r"(?: SHARE_RESTRICTIONS ?= ?\w+)?",
        sql,
    ):
        return _alter_accounts(ctx, norm(m["name"]), m["op"].upper(), m["accts"], bool(m["ie"]))
    if m := match(
        r"ALTER SHARE (?P<ie>IF EXISTS )?(?P<name>{IDENT}) SET COMMENT ?= ?(?P<comment>{STRING})", sql
    ):
        share = owned_share(ctx, norm(m["name"]))
        with ctx.catalog.lock:
            share["comment"] = unquote_literal(m["comment"])
            ctx.catalog.save()
        return Result.status(SUCCESS)
    if m := match(
        r"(?P<verb>GRANT|REVOKE) (?P<priv>[\w ]+?) ON (?P<kind>[\w ]+?) (?P<obj>{QNAME}) "
        r"(?:TO|FROM) SHARE (?P<share>{IDENT})",
        sql,
    ):
        return _grant(
            ctx, m["verb"].upper(), m["priv"].upper(), m["kind"].upper(), m["obj"], norm(m["share"])
        )
    return None


def owned_share(ctx: Context, name: str) -> dict[str, object]:
    share = sh.get_share(ctx.server, ctx.account, name)
    if not owns(ctx, share["owner"]):
        raise insufficient_privileges("share", name)
    return share


def _create(ctx: Context, name: str, replace: bool, if_not_exists: bool, comment: str | None) -> Result:
    if not ctx.has("CREATE SHARE", "ACCOUNT", ctx.account):
        raise insufficient_privileges("account", ctx.account)
    with ctx.catalog.lock:
        shares = sh.shares_of(ctx.server, ctx.account)
        if name in shares and not replace:
            if if_not_exists:
                return Result.status(f"{name} already exists, statement succeeded.")
            raise already_exists(name, "Share")
        shares[name] = sh.new_share(name, ctx.role, comment)
        ctx.catalog.save()
    sh.sync_consumers(ctx.server, ctx.account, name)
    return Result.status(f"Share {name} successfully created.")


def _drop(ctx: Context, name: str, if_exists: bool) -> Result:
    with ctx.catalog.lock:
        if name not in sh.shares_of(ctx.server, ctx.account):
            if if_exists:
                return Result.status(already_dropped(name))
            raise does_not_exist(name, "Share")
        owned_share(ctx, name)
        del sh.shares_of(ctx.server, ctx.account)[name]
        ctx.catalog.save()
    sh.sync_consumers(ctx.server, ctx.account, name)
    return Result.status(dropped(name))


def _alter_accounts(ctx: Context, name: str, op: str, accts: str, if_exists: bool) -> Result:
    with ctx.catalog.lock:
        if if_exists and name not in sh.shares_of(ctx.server, ctx.account):
            return Result.status(SUCCESS)
        share = owned_share(ctx, name)
        ids = [sh.account_id(ctx.server, a) for a in accts.split(",") if a.strip()]
        if any(sh.account_of(i) == ctx.account for i in ids):
            raise compilation_error("A share cannot be shared with the account that owns it.")
        current: list[str] = list(share["accounts"])  # type: ignore[call-overload]
        if op == "ADD":
            current += [i for i in ids if i not in current]
        elif op == "REMOVE":
            current = [i for i in current if i not in ids]
        else:
            current = list(dict.fromkeys(ids))
        share["accounts"] = current
        ctx.catalog.save()
    sh.sync_consumers(ctx.server, ctx.account, name)
    return Result.status(SUCCESS)


def _grant(ctx: Context, verb: str, priv: str, kind: str, obj: str, share_name: str) -> Result:
    if kind not in ("DATABASE", "SCHEMA", "MODEL"):
        raise unsupported(
            f"{verb} ... ON {kind} ... TO SHARE (the local emulator shares only models: "
            "USAGE on DATABASE, SCHEMA and MODEL)"
        )
    # GRANT USAGE|READ ON MODEL ... TO SHARE (Snowflake's model privileges); USAGE on the containers
    if priv != "USAGE" and not (kind == "MODEL" and priv == "READ"):
        raise unsupported(f"{verb} {priv} ON {kind} ... TO SHARE (USAGE, or READ on a MODEL, is shareable here)")
    parts = ctx.resolve(obj, {"DATABASE": 1, "SCHEMA": 2, "MODEL": 3}[kind])
    name = qualified(*parts)
    with ctx.catalog.lock:
        share = owned_share(ctx, share_name)
        grants: list[dict[str, object]] = share["grants"]  # type: ignore[assignment]
        if verb == "GRANT":
            _check_grantable(ctx, kind, parts, name, share)
            if not sh.granted(share, kind, name):
                grants.append(
                    {
                        "privilege": priv,
                        "granted_on": kind,
                        "name": name,
                        "granted_by": ctx.role,
                        "created_on": now(),
                    }
                )
        else:
            share["grants"] = [g for g in grants if not (g["granted_on"] == kind and g["name"] == name)]
            if kind == "DATABASE":  # revoking the database revokes everything under it
                share["grants"] = []
        ctx.catalog.save()
    sh.sync_consumers(ctx.server, ctx.account, share_name)
    return Result.status(SUCCESS)


def _check_grantable(
    ctx: Context, kind: str, parts: tuple[str, ...], name: str, share: dict[str, object]
) -> None:
    if kind == "MODEL":
        if ctx.catalog.model(ctx.account, *parts) is None:
            raise does_not_exist(name, "Model")
    elif kind == "SCHEMA":
        if not ctx.runtime.schema_exists(*parts):
            raise does_not_exist(name, "Schema")
    elif not ctx.runtime.database_exists(parts[0]):
        raise does_not_exist(name, "Database")
    if not ctx.has("OWNERSHIP", kind, name):
        raise insufficient_privileges(kind, parts[-1])
    current_db = sh.share_database(share)  # type: ignore[arg-type]
    if kind == "DATABASE":
        if current_db not in (None, name):
            raise compilation_error(
                f"A share can include only one database; {current_db} is already granted."
            )
    elif current_db != qualified(parts[0]):
        raise compilation_error(
            f"Grant USAGE ON DATABASE {qualified(parts[0])} to the share before granting objects inside it."
        )
