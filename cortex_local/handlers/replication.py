"""Replication group statements; semantics in cortex_local.cortex.replication.

CREATE REPLICATION GROUP g OBJECT_TYPES = DATABASES ALLOWED_DATABASES = d1[, d2]
    ALLOWED_ACCOUNTS = org.acct[, ...] [IGNORE EDITION CHECK] [REPLICATION_SCHEDULE = '10 MINUTE']
CREATE REPLICATION GROUP g AS REPLICA OF org.primary_acct.g
ALTER REPLICATION GROUP g REFRESH | SUSPEND | RESUME
ALTER REPLICATION GROUP g SET ALLOWED_ACCOUNTS|ALLOWED_DATABASES = ... | SET REPLICATION_SCHEDULE = '...'
ALTER REPLICATION GROUP g ADD|REMOVE x[, y] TO|FROM ALLOWED_ACCOUNTS|ALLOWED_DATABASES
DROP REPLICATION GROUP [IF EXISTS] g
SHOW REPLICATION GROUPS [IN ACCOUNT a]: Snowflake's columns (without region_group, which Snowflake
shows only to organisations spanning several region groups).
"""

from __future__ import annotations

from typing import Any

from sqlglot import Expr

from cortex_local import privileges
from cortex_local.catalog_records import ACCOUNTADMIN, now
from cortex_local.cortex import replication as rep
from cortex_local.cortex.shares import account_id
from cortex_local.errors import (
    already_exists,
    compilation_error,
    does_not_exist,
    insufficient_privileges,
    unsupported,
)
from cortex_local.handlers.base import Context, Result
from cortex_local.handlers.common import SUCCESS, already_dropped, dropped, match, starts
from cortex_local.idents import norm, qualified, split_name, unquote_literal

LIST = r"[\w.\"]+(?: ?, ?[\w.\"]+)*"


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if not (
        starts(sql, r"\w+", "REPLICATION", "GROUPS?") or starts(sql, "CREATE", "OR", "REPLACE", "REPLICATION")
    ):
        return None
    if m := match(
        r"CREATE REPLICATION GROUP (?P<ine>IF NOT EXISTS )?(?P<name>{IDENT}) AS REPLICA OF (?P<src>{QNAME})",
        sql,
    ):
        return _create_replica(ctx, norm(m["name"]), m["src"], bool(m["ine"]))
    if m := match(
        r"CREATE REPLICATION GROUP (?P<ine>IF NOT EXISTS )?(?P<name>{IDENT}) OBJECT_TYPES ?= ?(?P<types>"
        + LIST
        + r") ALLOWED_DATABASES ?= ?(?P<dbs>"
        + LIST
        + r") ALLOWED_ACCOUNTS ?= ?(?P<accts>"
        + LIST
        + r")(?: IGNORE EDITION CHECK)?(?: REPLICATION_SCHEDULE ?= ?(?P<sched>{STRING}))?",
        sql,
    ):
        return _create_primary(ctx, norm(m["name"]), m, bool(m["ine"]))
    if m := match(
        r"ALTER REPLICATION GROUP (?:IF EXISTS )?(?P<name>{IDENT}) (?P<op>REFRESH|SUSPEND|RESUME)", sql
    ):
        return _alter_state(ctx, norm(m["name"]), m["op"].upper())
    if m := match(
        r"ALTER REPLICATION GROUP (?:IF EXISTS )?(?P<name>{IDENT}) SET "
        r"(?P<what>ALLOWED_ACCOUNTS|ALLOWED_DATABASES|OBJECT_TYPES) ?= ?(?P<items>" + LIST + r")",
        sql,
    ):
        return _edit(ctx, norm(m["name"]), "SET", m["what"].upper(), m["items"])
    if m := match(
        r"ALTER REPLICATION GROUP (?:IF EXISTS )?(?P<name>{IDENT}) (?P<op>ADD|REMOVE) (?P<items>"
        + LIST
        + r") (?:TO|FROM) (?P<what>ALLOWED_ACCOUNTS|ALLOWED_DATABASES)",
        sql,
    ):
        return _edit(ctx, norm(m["name"]), m["op"].upper(), m["what"].upper(), m["items"])
    if m := match(
        r"ALTER REPLICATION GROUP (?:IF EXISTS )?(?P<name>{IDENT}) "
        r"SET REPLICATION_SCHEDULE ?= ?(?P<s>{STRING})",
        sql,
    ):
        grp = _primary(ctx, norm(m["name"]))
        return _save(ctx, grp, replication_schedule=unquote_literal(m["s"]))
    if m := match(r"DROP REPLICATION GROUP (?P<ie>IF EXISTS )?(?P<name>{IDENT})", sql):
        return _drop(ctx, norm(m["name"]), bool(m["ie"]))
    raise unsupported("this form of replication group statement")


def _require_admin(ctx: Context, privilege: str) -> None:
    if not ctx.has(privilege, "ACCOUNT", ctx.account):
        raise insufficient_privileges("account", ctx.account)


def _may_manage(ctx: Context, grp: dict[str, Any]) -> None:
    roles = privileges.role_closure(ctx.catalog, ctx.account, ctx.role)
    if ACCOUNTADMIN not in roles and grp["owner"] not in roles:
        raise insufficient_privileges("replication group", grp["name"])


def _group(ctx: Context, name: str) -> dict[str, Any]:
    grp = rep.groups_of(ctx.server, ctx.account).get(name)
    if grp is None:
        raise does_not_exist(name, "Replication group")
    _may_manage(ctx, grp)
    return grp


def _primary(ctx: Context, name: str) -> dict[str, Any]:
    grp = _group(ctx, name)
    if not grp["is_primary"]:
        raise compilation_error(
            f"Replication group '{name}' is a secondary group; alter its primary instead."
        )
    return grp


def _save(ctx: Context, grp: dict[str, Any], **changes: Any) -> Result:
    with ctx.catalog.lock:
        grp.update(changes)
        ctx.catalog.save()
    return Result.status(SUCCESS)


def _items(ctx: Context, what: str, text: str) -> list[str]:
    raw = [t.strip() for t in text.split(",") if t.strip()]
    if what == "ALLOWED_ACCOUNTS":
        return [account_id(ctx.server, t) for t in raw]
    if what == "OBJECT_TYPES":
        types = [t.upper() for t in raw]
        if types != ["DATABASES"]:
            raise unsupported(
                f"OBJECT_TYPES = {', '.join(types)} (the local emulator replicates DATABASES only)"
            )
        return types
    dbs = [norm(t) for t in raw]
    for db in dbs:
        if not ctx.runtime.database_exists(db):
            raise does_not_exist(qualified(db), "Database")
        ctx.require("OWNERSHIP", "DATABASE", qualified(db), db)
    return dbs


def _create_primary(ctx: Context, name: str, m: Any, if_not_exists: bool) -> Result:
    _require_admin(ctx, "CREATE REPLICATION GROUP")
    types = _items(ctx, "OBJECT_TYPES", m["types"])
    dbs = _items(ctx, "ALLOWED_DATABASES", m["dbs"])
    accts = _items(ctx, "ALLOWED_ACCOUNTS", m["accts"])
    with ctx.catalog.lock:
        groups = rep.groups_of(ctx.server, ctx.account)
        if name in groups:
            if if_not_exists:
                return Result.status(f"{name} already exists, statement succeeded.")
            raise already_exists(name, "Replication group")
        taken = {db for g in groups.values() if g["is_primary"] for db in g["allowed_databases"]}
        if clash := sorted(set(dbs) & taken):
            raise compilation_error(f"Database '{clash[0]}' is already in another replication group.")
        groups[name] = {
            "name": name,
            "created_on": now(),
            "owner": ctx.role,
            "comment": None,
            "is_primary": True,
            "object_types": types,
            "allowed_databases": dbs,
            "allowed_accounts": accts,
            "replication_schedule": unquote_literal(m["sched"]) if m["sched"] else None,
            "secondary_state": None,
        }
        ctx.catalog.save()
    return Result.status(f"Replication group {name} successfully created.")


def _create_replica(ctx: Context, name: str, src: str, if_not_exists: bool) -> Result:
    _require_admin(ctx, "CREATE REPLICATION GROUP")
    ref = ".".join(split_name(src)) if src.count(".") == 2 else src
    parts = ref.split(".")
    ref = f"{parts[0].upper()}.{parts[1].upper()}.{parts[2]}" if len(parts) == 3 else ref
    with ctx.catalog.lock:
        primary_account, prim = rep.find_primary(ctx.server, ref)
        if primary_account == ctx.account:
            raise compilation_error("A secondary replication group must be created in another account.")
        me = f"{ctx.server.org_name}.{ctx.account}"
        if me not in prim["allowed_accounts"]:
            raise insufficient_privileges("replication group", ref)
        groups = rep.groups_of(ctx.server, ctx.account)
        if name in groups:
            if if_not_exists:
                return Result.status(f"{name} already exists, statement succeeded.")
            raise already_exists(name, "Replication group")
        groups[name] = {
            "name": name,
            "created_on": now(),
            "owner": ctx.role,
            "comment": None,
            "is_primary": False,
            "primary": ref,
            "last_refresh": None,
            "databases": [],
            "secondary_state": "started",
        }
        ctx.catalog.save()
    return Result.status(f"Replication group {name} successfully created.")


def _alter_state(ctx: Context, name: str, op: str) -> Result:
    grp = _group(ctx, name)
    if grp["is_primary"]:
        raise compilation_error(
            f"Replication group '{name}' is a primary group; {op} applies to secondary groups."
        )
    if op == "REFRESH":
        rep.refresh(ctx.server, ctx.account, name)
        return Result.status(SUCCESS)
    return _save(ctx, grp, secondary_state="suspended" if op == "SUSPEND" else "started")


def _edit(ctx: Context, name: str, op: str, what: str, text: str) -> Result:
    grp = _primary(ctx, name)
    key = what.lower()
    items = _items(ctx, what, text)
    current = list(grp[key])
    if op == "SET":
        current = list(dict.fromkeys(items))
    elif op == "ADD":
        current += [i for i in items if i not in current]
    else:
        current = [i for i in current if i not in items]
    return _save(ctx, grp, **{key: current})


def _drop(ctx: Context, name: str, if_exists: bool) -> Result:
    with ctx.catalog.lock:
        groups = rep.groups_of(ctx.server, ctx.account)
        if name not in groups:
            if if_exists:
                return Result.status(already_dropped(name))
            raise does_not_exist(name, "Replication group")
        grp = _group(ctx, name)
        if grp["is_primary"] and (linked := rep.secondaries_of(ctx.server, ctx.account, name)):
            raise compilation_error(
                f"Cannot drop primary replication group {name}: secondary groups exist in "
                f"{', '.join(sorted(a for a, _ in linked))}; drop them first."
            )
        if not grp["is_primary"]:
            rep.release_secondary(ctx.server, ctx.account, grp)
        del groups[name]
        ctx.catalog.save()
    return Result.status(dropped(name))
