"""SQL user-defined functions (scalar SQL UDFs): CREATE [OR REPLACE] [SECURE] FUNCTION, DROP FUNCTION,
SHOW USER FUNCTIONS, GRANT/REVOKE USAGE ON FUNCTION (to roles and to shares).

Shapes follow Snowflake's documentation:
- CREATE FUNCTION (https://docs.snowflake.com/en/sql-reference/sql/create-function):
  `CREATE [OR REPLACE] [SECURE] FUNCTION [IF NOT EXISTS] <name>(<arg> <type>, ...) [COPY GRANTS]
  RETURNS <type> [[NOT] NULL] [LANGUAGE SQL] [COMMENT = '...'] AS '<expression>'` (or `$$...$$`).
  OR REPLACE swaps the definition atomically (a concurrent call sees the old body or the new one,
  never neither); without COPY GRANTS the old object's grants are dropped, with it they are kept.
- SHOW USER FUNCTIONS (https://docs.snowflake.com/en/sql-reference/sql/show-user-functions): columns
  created_on, name, schema_name, is_builtin, is_aggregate, is_ansi, min_num_arguments,
  max_num_arguments, arguments (`NAME(VARCHAR) RETURN VARCHAR`), description, catalog_name,
  is_table_function, valid_for_clustering, is_secure, language; listed to roles with USAGE or OWNERSHIP.
- Creating needs USAGE on the database and USAGE + CREATE FUNCTION on the schema (or ownership).

Emulator simplifications: one signature per name (no overloading; the argument types in DROP/GRANT
are accepted and not compared); only SQL expressions as bodies; grants name the function without its
signature (`DB.S.F`). Grants to shares and calls through a mounted share: cortex/shared_functions.py.
Calls are expanded in place by function_calls.py; the body runs with the
caller's privileges (Snowflake uses the owner's for objects the body references), so callers also need
USAGE on a model the body calls.
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import Expr

from cortex_local.catalog_records import GrantRec, now
from cortex_local.cortex import shared_functions
from cortex_local.errors import already_exists, compilation_error, does_not_exist, insufficient_privileges
from cortex_local.handlers.base import FIXED, TIMESTAMP, Context, Result
from cortex_local.handlers.common import SHOW_TAIL, SUCCESS, already_dropped, dropped, match, owns, show_filter
from cortex_local.handlers.objects import require_create_in_schema
from cortex_local.idents import IDENT, QNAME, norm, qualified

KEY = "functions"  # AccountRec.extra[KEY]: qualified name -> function record (a dict)

_CREATE = re.compile(
    rf"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?P<secure>SECURE\s+)?FUNCTION\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?"
    rf"(?P<name>{QNAME})\s*\((?P<args>[^)]*)\)\s*(?P<copy>COPY\s+GRANTS\s+)?RETURNS\s+(?P<returns>\w+(?:\s*\([\d,\s]*\))?)"
    rf"(?P<opts>.*?)\bAS\s+(?P<body>'(?:[^']|'')*'|\$\$.*?\$\$)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"COMMENT\s*=\s*'((?:[^']|'')*)'", re.IGNORECASE)

SHOW_COLUMNS = [
    ("created_on", TIMESTAMP), "name", "schema_name", "is_builtin", "is_aggregate", "is_ansi",
    ("min_num_arguments", FIXED), ("max_num_arguments", FIXED), "arguments", "description", "catalog_name",
    "is_table_function", "valid_for_clustering", "is_secure", "language",
]


def functions(ctx: Context, account: str | None = None) -> dict[str, dict[str, Any]]:
    """The live store of an account's functions (mutate under ctx.catalog.lock, then save)."""
    extra = ctx.catalog.account(account or ctx.account).extra
    store: dict[str, dict[str, Any]] = extra.setdefault(KEY, {})
    return store


def _signature(args: str) -> list[list[str]]:
    out = []
    for part in (p.strip() for p in args.split(",")):
        if not part:
            continue
        bits = part.split(None, 1)
        if len(bits) != 2:
            raise compilation_error(f"argument {part!r} needs a name and a type")
        out.append([norm(bits[0]), bits[1].strip().upper()])
    return out


def _body(text: str) -> str:
    if text.startswith("$$"):
        return text[2:-2].strip()
    return text[1:-1].replace("''", "'").strip()


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := _CREATE.match(sql):
        return _create(ctx, m)
    if m := match(r"DROP FUNCTION (IF EXISTS )?({QNAME}) ?\([^)]*\)", sql):
        return _drop(ctx, m[2], bool(m[1]))
    if m := match(r"SHOW USER FUNCTIONS" + SHOW_TAIL, sql):
        return _show(ctx, m)
    pattern = rf"(GRANT|REVOKE) (.+?) ON FUNCTION ({{QNAME}}) ?\([^)]*\) (?:TO|FROM) (ROLE|SHARE) ({IDENT})"
    if m := match(pattern, sql):
        return _grant(ctx, m[1].upper() == "GRANT", m[2], m[3], m[4].upper(), norm(m[5]))
    return None


def _create(ctx: Context, m: re.Match[str]) -> Result:
    db, schema, name = ctx.resolve(m["name"], 3)
    key = qualified(db, schema, name)
    require_create_in_schema(ctx, db, schema, "CREATE FUNCTION")
    comment = _COMMENT.search(m["opts"] or "")
    record = {
        "database": db, "schema": schema, "name": name, "arguments": _signature(m["args"]),
        "returns": re.sub(r"\s+", "", m["returns"].upper()), "body": _body(m["body"]),
        "secure": bool(m["secure"]), "owner": ctx.role, "created_on": now(),
        "comment": comment[1].replace("''", "'") if comment else None,
    }
    with ctx.catalog.lock:
        store = functions(ctx)
        old = store.get(key)
        if old is not None and not m["replace"]:
            if m["ine"]:
                return Result.status(SUCCESS)
            raise already_exists(key)
        if old is not None and not owns(ctx, old["owner"]):
            raise insufficient_privileges("function", key)
        acct = ctx.catalog.account(ctx.account)
        if old is not None and not m["copy"]:  # OR REPLACE without COPY GRANTS: a new object, no grants
            acct.grants = [g for g in acct.grants if not (g.granted_on == "FUNCTION" and g.name == key)]
            shared_functions.forget_function(ctx.server, ctx.account, key)
        if old is not None and m["copy"]:
            record["owner"] = old["owner"]
        store[key] = record  # one assignment: callers see the old body or the new one
        ctx.catalog.save()
    return Result.status(f"Function {name} successfully created.")


def _drop(ctx: Context, name: str, if_exists: bool) -> Result:
    db, schema, obj = ctx.resolve(name, 3)
    key = qualified(db, schema, obj)
    with ctx.catalog.lock:
        store = functions(ctx)
        if key not in store:
            if if_exists:
                return Result.status(already_dropped(obj))
            raise does_not_exist(key, "Function")
        if not owns(ctx, store[key]["owner"]):
            raise insufficient_privileges("function", key)
        del store[key]
        acct = ctx.catalog.account(ctx.account)
        acct.grants = [g for g in acct.grants if not (g.granted_on == "FUNCTION" and g.name == key)]
        shared_functions.forget_function(ctx.server, ctx.account, key)
        ctx.catalog.save()
    return Result.status(dropped(obj))


def visible(ctx: Context, key: str) -> bool:
    return ctx.has("USAGE", "FUNCTION", key) or owns(ctx, functions(ctx).get(key, {}).get("owner"))


def _show(ctx: Context, m: re.Match[str]) -> Result:
    flt = show_filter(ctx, m)
    rows = []
    with ctx.catalog.lock:
        items = sorted(functions(ctx).items())
    for key, f in items:
        if flt.database not in (None, f["database"]) or flt.schema not in (None, f["schema"]):
            continue
        if not flt.name_ok(f["name"]) or not visible(ctx, key):
            continue
        types = ", ".join(t for _, t in f["arguments"])
        n = len(f["arguments"])
        rows.append((f["created_on"], f["name"], f["schema"], "N", "N", "N", n, n,
                     f"{f['name']}({types}) RETURN {f['returns']}", f.get("comment") or "user-defined function",
                     f["database"], "N", "N", "Y" if f["secure"] else "N", "SQL"))
    return Result.table(SHOW_COLUMNS, rows)


def _grant(ctx: Context, grant: bool, privs: str, name: str, grantee_type: str, grantee: str) -> Result:
    if " ".join(privs.split()).upper() not in ("USAGE", "ALL", "ALL PRIVILEGES"):
        raise compilation_error(f"Invalid privilege {privs.upper()} for object type FUNCTION.")
    db, schema, obj = ctx.resolve(name, 3)
    key = qualified(db, schema, obj)
    with ctx.catalog.lock:
        f = functions(ctx).get(key)
        if f is None:
            raise does_not_exist(key, "Function")
        if not owns(ctx, f["owner"]) and not ctx.has("MANAGE GRANTS", "ACCOUNT", ctx.account):
            raise insufficient_privileges("function", key)
        if grantee_type == "SHARE":
            return _share_grant(ctx, grant, key, f, grantee)
        if ctx.catalog.role(ctx.account, grantee) is None:
            raise does_not_exist(grantee, "Role")
        if grant:
            ctx.catalog.grant(ctx.account, GrantRec("USAGE", "FUNCTION", key, "ROLE", grantee, ctx.role))
        else:
            ctx.catalog.revoke(ctx.account, "USAGE", "FUNCTION", key, "ROLE", grantee)
    return Result.status(SUCCESS)


def _share_grant(ctx: Context, grant: bool, key: str, f: dict[str, Any], share: str) -> Result:
    """GRANT USAGE ON FUNCTION ... TO SHARE: a secure function of the share's database, recorded among
    the share's grants (cortex_local.cortex.shared_functions)."""
    from cortex_local.handlers.shares import owned_share

    record = owned_share(ctx, share)
    shared_functions.grant_to_share(ctx.server, ctx.account, record, key, f, ctx.role, grant)
    ctx.catalog.save()
    return Result.status(SUCCESS)
