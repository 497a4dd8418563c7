"""Calls of SQL UDFs (handlers/functions.py) inside queries: each call `F(arg, ...)` is replaced by the
function's body with its parameters bound to `(arg)`, then the statement goes through the handlers
again (so a body calling SNOWFLAKE.CORTEX.COMPLETE gets the Cortex privilege and name pass).

The caller needs USAGE on the function (or to own it); otherwise Snowflake's "Unknown user-defined
function". A call into a database mounted from a share runs the provider's secure function
(cortex/shared_functions.py). Names inside string literals and quoted identifiers are never touched.
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import Expr

from cortex_local.cortex import shared_functions, shares
from cortex_local.errors import sql_error
from cortex_local.handlers.base import Context, Rewritten
from cortex_local.handlers.functions import functions, visible
from cortex_local.idents import QNAME, qualified

_RUNS_QUERY = re.compile(r"^\s*\(?\s*(SELECT|WITH|INSERT|CREATE\s+(?:OR\s+REPLACE\s+)?TABLE)\b", re.IGNORECASE)
_CALL = re.compile(rf"(?<![\w.$\"])({QNAME})\s*\(")
MAX_DEPTH = 8


unknown_function = shared_functions.unknown_function


def mask(sql: str) -> str:
    """`sql` with the contents of string literals and quoted identifiers blanked (same length)."""
    out = list(sql)
    i = 0
    while i < len(sql):
        ch = sql[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < len(sql):
                if sql[j] == ch and j + 1 < len(sql) and sql[j + 1] == ch:
                    j += 2
                    continue
                if sql[j] == ch:
                    break
                j += 1
            if ch == "'":
                for k in range(i + 1, min(j, len(sql))):
                    out[k] = " "
            i = j + 1
            continue
        i += 1
    return "".join(out)


def _close(masked: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "(":
            depth += 1
        elif masked[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise sql_error(1003, "SQL compilation error:\nsyntax error: unbalanced parentheses", "42000")


def _split_args(text: str, masked: str) -> list[str]:
    args, depth, start = [], 0, 0
    for i, ch in enumerate(masked):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    last = text[start:].strip()
    return [*args, last] if last or args else []


def _bind(body: str, params: list[str], values: list[str]) -> str:
    masked = mask(body)
    repl = dict(zip(params, values, strict=True))
    pieces, pos = [], 0
    for m in re.finditer(r"(?<![\w.$])([A-Za-z_][A-Za-z0-9_$]*)(?![\w$(])", masked):
        if m[1].upper() in repl and not masked[m.end():].lstrip().startswith("."):
            pieces += [body[pos:m.start()], f"({repl[m[1].upper()]})"]
            pos = m.end()
    return "".join(pieces) + body[pos:]


def _resolve(ctx: Context, name: str) -> str | None:
    try:
        return qualified(*ctx.resolve(name, 3))
    except Exception:
        return None


def _find(ctx: Context, sql: str, masked: str) -> tuple[re.Match[str], str, dict[str, Any], str] | None:
    """The first call of a known UDF: (match, key, definition, body to inline). A local function, or one
    a live share grants through a mounted database (cortex/shared_functions.py)."""
    store = functions(ctx)
    for m in _CALL.finditer(masked):
        text = sql[m.start(1):m.end(1)]
        key = _resolve(ctx, text)
        if key is None:
            continue
        if key in store:
            return m, key, store[key], store[key]["body"]
        shared = shared_functions.lookup(ctx.server, ctx.account, key, explicit="." in text)
        if shared is not None:
            return m, key, shared.record, shared_functions.provider_body(ctx.server, shared)
    return None


def expand(ctx: Context, sql: str) -> str | None:
    """The statement with every call of a known UDF inlined; None when it calls none."""
    if not functions(ctx) and not shares.imports_of(ctx.server, ctx.account):
        return None
    changed = False
    for _ in range(MAX_DEPTH):
        masked = mask(sql)
        found = _find(ctx, sql, masked)
        if found is None:
            return sql if changed else None
        m, key, f, body = found
        if not visible(ctx, key):
            raise unknown_function(key)
        open_at = m.end() - 1
        close_at = _close(masked, open_at)
        values = _split_args(sql[open_at + 1:close_at], masked[open_at + 1:close_at])
        params = [a[0] for a in f["arguments"]]
        if len(values) != len(params):
            raise sql_error(1044, f"SQL compilation error:\nInvalid argument types for function '{f['name']}'", "42P13")
        sql = f"{sql[:m.start(1)]}({_bind(body, params, values)}){sql[close_at + 1:]}"
        changed = True
    raise sql_error(1003, "SQL compilation error:\nuser-defined functions nested too deeply", "42000")


def handle(ctx: Context, sql: str, expr: Expr | None) -> Rewritten | None:
    """The statement with its user-defined function calls inlined, to be run again from the first handler."""
    if not _RUNS_QUERY.match(sql):
        return None
    with ctx.catalog.lock:  # one consistent view of the definitions (CREATE OR REPLACE is atomic)
        new_sql = expand(ctx, sql)
    return None if new_sql is None else Rewritten(new_sql)
