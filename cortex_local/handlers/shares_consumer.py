"""The read and consumer side of shares: SHOW SHARES, SHOW GRANTS TO|OF SHARE,
CREATE DATABASE x FROM SHARE org.provider.share, and DROP DATABASE of such an imported database.

SHOW SHARES columns: created_on, kind, owner_account, name, database_name, to, owner, comment,
listing_global_name (Snowflake's shape after the 2023_05 OWNER_ACCOUNT change). SHOW GRANTS TO SHARE
uses SHOW GRANTS' columns (granted_to = SHARE); SHOW GRANTS OF SHARE: created_on, share, granted_to,
grantee_name, granted_by.
"""

from __future__ import annotations

from sqlglot import Expr

from cortex_local.catalog_records import now
from cortex_local.cortex import shares as sh
from cortex_local.cortex.readonly import mark_read_only
from cortex_local.errors import (
    already_exists,
    compilation_error,
    does_not_exist,
    insufficient_privileges,
    unsupported,
)
from cortex_local.handlers.base import TIMESTAMP, Context, Result
from cortex_local.handlers.common import match, starts
from cortex_local.handlers.shares import owned_share
from cortex_local.handlers.show_grants import TO_COLUMNS
from cortex_local.idents import like_to_regex, norm, qualified, split_name, unquote_literal

SHOW_SHARES_COLUMNS = [
    ("created_on", TIMESTAMP),
    "kind",
    "owner_account",
    "name",
    "database_name",
    "to",
    "owner",
    "comment",
    "listing_global_name",
]
OF_SHARE_COLUMNS = [("created_on", TIMESTAMP), "share", "granted_to", "grantee_name", "granted_by"]


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(r"SHOW SHARES(?: LIKE (?P<like>{STRING}))?", sql):
        return _show(ctx, like_to_regex(unquote_literal(m["like"])) if m["like"] else None)
    if m := match(r"SHOW GRANTS TO SHARE (?P<share>{IDENT})", sql):
        return _grants_to(ctx, norm(m["share"]))
    if m := match(r"SHOW GRANTS OF SHARE (?P<share>{IDENT})", sql):
        return _grants_of(ctx, norm(m["share"]))
    if m := match(r"CREATE DATABASE (?P<name>{IDENT}) FROM SHARE (?P<src>{QNAME})", sql):
        return _import(ctx, norm(m["name"]), m["src"])
    if starts(sql, "CREATE", "OR", "REPLACE", "DATABASE") and " FROM SHARE " in sql.upper():
        raise unsupported("CREATE OR REPLACE DATABASE ... FROM SHARE")
    if m := match(r"DROP DATABASE (?:IF EXISTS )?(?P<name>{IDENT})(?: CASCADE| RESTRICT)?", sql):
        _forget_import(ctx, norm(m["name"]))
    return None  # DROP DATABASE continues to the core handler


def _show(ctx: Context, like: object) -> Result:
    rows = []
    me = f"{ctx.server.org_name}.{ctx.account}"
    with ctx.catalog.lock:
        for s in sh.shares_of(ctx.server, ctx.account).values():
            rows.append(
                (
                    s["created_on"],
                    "OUTBOUND",
                    me,
                    s["name"],
                    sh.share_database(s) or "",
                    ",".join(s["accounts"]),
                    s["owner"],
                    s["comment"] or "",
                    "",
                )
            )
        imports = sh.imports_of(ctx.server, ctx.account)
        for provider in ctx.catalog.account_names():
            if provider == ctx.account:
                continue
            for s in sh.shares_of(ctx.server, provider).values():
                if me not in s["accounts"]:
                    continue
                local = [  # a revoked import must be re-created: it no longer mounts the share
                    db
                    for db, imp in imports.items()
                    if imp["provider"] == provider and imp["share"] == s["name"] and not imp.get("revoked")
                ]
                rows.append(
                    (
                        s["created_on"],
                        "INBOUND",
                        f"{ctx.server.org_name}.{provider}",
                        s["name"],
                        local[0] if local else "",
                        "",
                        "",
                        s["comment"] or "",
                        "",
                    )
                )
    rows = [r for r in rows if like is None or like.match(r[3])]  # type: ignore[attr-defined]
    return Result.table(SHOW_SHARES_COLUMNS, sorted(rows, key=lambda r: (r[1], r[3])))


def _grants_to(ctx: Context, share_name: str) -> Result:
    share = owned_share(ctx, share_name)
    rows = [
        (
            g["created_on"],
            g["privilege"],
            g["granted_on"],
            g["name"],
            "SHARE",
            share_name,
            False,
            g["granted_by"],
        )
        for g in share["grants"]
    ]  # type: ignore[attr-defined]
    return Result.table(TO_COLUMNS, rows)


def _grants_of(ctx: Context, share_name: str) -> Result:
    share = owned_share(ctx, share_name)
    me = f"{ctx.server.org_name}.{ctx.account}.{share_name}"
    rows = [(share["created_on"], me, "ACCOUNT", a, share["owner"]) for a in share["accounts"]]  # type: ignore[attr-defined]
    return Result.table(OF_SHARE_COLUMNS, rows)


def _import(ctx: Context, local_db: str, src: str) -> Result:
    parts = split_name(src)
    if len(parts) == 2:
        parts = [ctx.server.org_name, *parts]
    if len(parts) != 3 or parts[0].upper() != ctx.server.org_name.upper():
        raise compilation_error(
            f"invalid share identifier '{src}': use {ctx.server.org_name}.<account>.<share>"
        )
    provider, share_name = parts[1].upper(), parts[2]
    if not (
        ctx.has("CREATE DATABASE", "ACCOUNT", ctx.account) and ctx.has("IMPORT SHARE", "ACCOUNT", ctx.account)
    ):
        raise insufficient_privileges("account", ctx.account)
    with ctx.catalog.lock:
        if sh.consumer_entitled(ctx.server, ctx.account, provider, share_name) is None:
            raise does_not_exist(f"{ctx.server.org_name}.{provider}.{share_name}", "Shared database")
        if ctx.runtime.database_exists(local_db):
            raise already_exists(local_db, "Database")
        ctx.fakesnow(f"CREATE DATABASE {qualified(local_db)}")
        ctx.catalog.set_owner(ctx.account, "DATABASE", qualified(local_db), ctx.role)
        sh.imports_of(ctx.server, ctx.account)[local_db] = {
            "provider": provider,
            "share": share_name,
            "created_on": now(),
            "owner": ctx.role,
        }
        ctx.catalog.save()
    mark_read_only(ctx.server, ctx.account, local_db, f"imported from share {provider}.{share_name}")
    schemas = sh.sync_import(ctx.server, ctx.account, local_db)
    sh.ensure_schemas(ctx.server, ctx.account, local_db, schemas)
    for schema in schemas:
        ctx.catalog.set_owner(ctx.account, "SCHEMA", qualified(local_db, schema), ctx.role)
    return Result.status(f"Database {qualified(local_db)} successfully created.")


def _forget_import(ctx: Context, local_db: str) -> None:
    with ctx.catalog.lock:
        imports = sh.imports_of(ctx.server, ctx.account)
        if local_db not in imports:
            return
        if not ctx.has("OWNERSHIP", "DATABASE", qualified(local_db)):
            raise insufficient_privileges("database", local_db)
        del imports[local_db]
        ctx.catalog.save()
    # the core's DROP DATABASE then drops the model copies (they own no adapter files)
    mark_read_only(ctx.server, ctx.account, local_db, None)
