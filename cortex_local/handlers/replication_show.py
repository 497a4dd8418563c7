"""SHOW REPLICATION GROUPS [IN ACCOUNT a]: the account's own groups, primaries elsewhere that allow
it, and secondaries elsewhere linked to its primaries. Columns are Snowflake's, without region_group
(which Snowflake shows only to organisations spanning several region groups):
snowflake_region, created_on, account_name, name, type, comment, is_primary ('true'/'false'), primary,
object_types, allowed_integration_types, allowed_accounts, organization_name, account_locator,
replication_schedule, secondary_state, next_scheduled_refresh, owner, is_listing_auto_fulfillment_group,
error_integration.

SHOW DATABASES IN REPLICATION GROUP g: the group's databases (a primary's allowed databases; a secondary
shows its primary's), Snowflake's leading SHOW DATABASES columns.
"""

from __future__ import annotations

from typing import Any

from sqlglot import Expr

from cortex_local.cortex import replication as rep
from cortex_local.cortex.shares import account_id
from cortex_local.errors import does_not_exist
from cortex_local.handlers.base import TIMESTAMP, Context, Result
from cortex_local.handlers.common import match
from cortex_local.idents import norm

SHOW_COLUMNS = [
    "snowflake_region",
    ("created_on", TIMESTAMP),
    "account_name",
    "name",
    "type",
    "comment",
    "is_primary",
    "primary",
    "object_types",
    "allowed_integration_types",
    "allowed_accounts",
    "organization_name",
    "account_locator",
    "replication_schedule",
    "secondary_state",
    ("next_scheduled_refresh", TIMESTAMP),
    "owner",
    "is_listing_auto_fulfillment_group",
    "error_integration",
]
REGION = "LOCAL_EMULATOR"


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(r"SHOW REPLICATION GROUPS(?: IN ACCOUNT (?P<acct>[\w.\"]+))?", sql):
        account = account_id(ctx.server, m["acct"]).split(".", 1)[1] if m["acct"] else ctx.account
        return _show(ctx, account)
    if m := match(r"SHOW DATABASES IN REPLICATION GROUP (?P<name>{IDENT})", sql):
        return _databases(ctx, norm(m["name"]))
    return None


def _databases(ctx: Context, name: str) -> Result:
    with ctx.catalog.lock:
        grp = rep.groups_of(ctx.server, ctx.account).get(name)
        if grp is None:
            raise does_not_exist(name, "Replication group")
        prim = grp if grp["is_primary"] else rep.find_primary(ctx.server, grp["primary"])[1]
        rows = [(grp["created_on"], db, "N", "N", "", grp["owner"], "") for db in prim["allowed_databases"]]
    cols = [("created_on", TIMESTAMP), "name", "is_default", "is_current", "origin", "owner", "comment"]
    return Result.table(cols, rows)


def _row(ctx: Context, account: str, grp: dict[str, Any]) -> tuple[Any, ...]:
    org = ctx.server.org_name
    if grp["is_primary"]:
        prim, primary_ref, state = grp, rep.group_id(ctx.server, account, grp["name"]), None
    else:
        primary_ref, state = grp["primary"], grp.get("secondary_state")
        try:
            prim = rep.find_primary(ctx.server, primary_ref)[1]
        except Exception:
            prim = {"object_types": [], "allowed_accounts": [], "replication_schedule": None}
    nxt = rep.next_refresh(ctx.server, grp)
    return (
        REGION,
        grp["created_on"],
        account,
        grp["name"],
        "REPLICATION",
        grp.get("comment"),
        "true" if grp["is_primary"] else "false",
        primary_ref,
        ",".join(prim["object_types"]),
        "",
        ",".join(prim["allowed_accounts"]),
        org,
        account,
        prim.get("replication_schedule"),
        state if prim.get("replication_schedule") else None,
        nxt.isoformat() if nxt else None,
        grp["owner"] if account == ctx.account else None,
        "false",
        None,
    )


def _show(ctx: Context, account: str) -> Result:
    me = f"{ctx.server.org_name}.{account}"
    rows = []
    with ctx.catalog.lock:
        if not ctx.catalog.has_account(account):
            raise does_not_exist(account, "Account")
        own = rep.groups_of(ctx.server, account)
        rows += [_row(ctx, account, g) for g in own.values()]
        for other in ctx.catalog.account_names():
            if other == account:
                continue
            for g in rep.groups_of(ctx.server, other).values():
                if (g["is_primary"] and me in g["allowed_accounts"]) or (
                    not g["is_primary"] and g["primary"].startswith(me + ".")
                ):
                    rows.append(_row(ctx, other, g))
    return Result.table(SHOW_COLUMNS, sorted(rows, key=lambda r: (r[3], r[2])))
