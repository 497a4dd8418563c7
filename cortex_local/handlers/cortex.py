"""Statements of the Cortex part: SELECT SNOWFLAKE.CORTEX.FINETUNE(...), the emulator-only
SELECT SYSTEM$CORTEX_LOCAL_PURGE_FINETUNE_JOBS(), and the privilege/name pass over
SNOWFLAKE.CORTEX.COMPLETE / COUNT_TOKENS calls (literal model names are qualified with the session's
database/schema and checked for USAGE before DuckDB runs the query)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import Expr, exp

from cortex_local import ai_access
from cortex_local.catalog_records import ACCOUNTADMIN
from cortex_local.cortex import shared_functions, usage
from cortex_local.cortex.base_models import is_inference_base
from cortex_local.cortex.call_args import ArgReader, as_text
from cortex_local.cortex.finetune import create_job
from cortex_local.cortex.functions import unknown_model
from cortex_local.cortex.shares import require_available
from cortex_local.errors import compilation_error, does_not_exist, unsupported
from cortex_local.handlers.base import Column, Context, CursorResult, Result
from cortex_local.handlers.session_ctx import rewrite_context_functions
from cortex_local.idents import split_name, unquote_literal
from cortex_local.privileges import role_closure

if TYPE_CHECKING:
    from cortex_local.cortex.service import CortexService

_CORTEX = r"SNOWFLAKE\s*\.\s*CORTEX\s*\.\s*"
_FINETUNE = re.compile(_CORTEX + r"FINETUNE\s*\(", re.IGNORECASE)
_PURGE = re.compile(r"^\s*SELECT\s+SYSTEM\$CORTEX_LOCAL_PURGE_FINETUNE_JOBS\s*\(\s*\)\s*$", re.IGNORECASE)
_ENGINE_STATS = re.compile(
    r"^\s*SELECT\s+SYSTEM\$CORTEX_LOCAL_ENGINE_STATS\s*\(\s*('(?:[^']|'')*'|\?|:1)\s*\)\s*$", re.IGNORECASE
)
_USAGE_VIEW = re.compile(r"\bACCOUNT_USAGE\s*\.\s*CORTEX_FINE_TUNING_USAGE_HISTORY\b", re.IGNORECASE)
_CALL = re.compile(_CORTEX + r"(COMPLETE|COUNT_TOKENS)\s*\(\s*('(?:[^']|'')*')", re.IGNORECASE)
_ANY_CALL = re.compile(_CORTEX + r"(COMPLETE|COUNT_TOKENS)\s*\(", re.IGNORECASE)
_RUNS_QUERY = re.compile(r"^\s*\(?\s*(SELECT|WITH|INSERT)\b", re.IGNORECASE)


def service_of(ctx: Context) -> CortexService:
    svc = getattr(ctx.server, "cortex", None)
    if svc is None:
        raise unsupported("Cortex (the server was started without cortex_local.cortex.setup)")
    return svc  # type: ignore[no-any-return]


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | CursorResult | None:
    if _PURGE.match(sql):
        ctx.require_cortex_user()
        n = service_of(ctx).purge(ctx.account)
        return Result(
            [Column("SYSTEM$CORTEX_LOCAL_PURGE_FINETUNE_JOBS()")], [(f"purged {n} fine-tuning jobs",)]
        )
    stats = _ENGINE_STATS.match(sql)
    if stats:
        ctx.require_cortex_user()
        job_id = unquote_literal(stats[1]) if stats[1].startswith("'") else _bound(ctx)
        rec = service_of(ctx).job(ctx.account, job_id)
        return Result([Column("SYSTEM$CORTEX_LOCAL_ENGINE_STATS")], [(usage.engine_stats(rec),)])
    if _USAGE_VIEW.search(sql) and _RUNS_QUERY.match(sql):
        _refresh_usage(ctx)  # then the statement runs as usual, over the refreshed table
    if _FINETUNE.search(sql) and _RUNS_QUERY.match(sql):
        return _finetune(ctx, sql, expr)
    if _ANY_CALL.search(sql) and _RUNS_QUERY.match(sql):
        return _qualify_calls(ctx, sql)
    return None


def _bound(ctx: Context) -> str:
    """The single bound parameter of a statement (server-side binding)."""
    params = ctx.params
    value = next(iter(params.values()), None) if isinstance(params, dict) else (params or [None])[0]
    if value is None:
        raise compilation_error("Bind variable ? not set.")
    return str(value)


def _refresh_usage(ctx: Context) -> None:
    roles = role_closure(ctx.catalog, ctx.account, ctx.role)
    if ACCOUNTADMIN not in roles and not ctx.has("IMPORTED PRIVILEGES", "DATABASE", "SNOWFLAKE"):
        raise does_not_exist(usage.VIEW, "Object")
    svc = service_of(ctx)
    usage.refresh_view(ctx.runtime, usage.usage_rows(svc.store.all(), ctx.account, usage.credit_rates()))


def _finetune(ctx: Context, sql: str, expr: Expr | None) -> Result:
    call = None
    if isinstance(expr, exp.Select) and len(expr.expressions) == 1 and not expr.args.get("from_"):
        node = expr.expressions[0]
        inner = node.this if isinstance(node, exp.Alias) else node
        if (
            isinstance(inner, exp.Dot)
            and isinstance(inner.expression, exp.Anonymous)
            and inner.expression.name.upper() == "FINETUNE"
        ):
            call = (node, inner)
    if call is None:
        raise unsupported("SNOWFLAKE.CORTEX.FINETUNE outside a plain `SELECT SNOWFLAKE.CORTEX.FINETUNE(...)`")
    node, inner = call
    reader = ArgReader(ctx)
    args = [reader.value(a) for a in inner.expression.expressions]
    if not args:
        raise compilation_error("FINETUNE needs a first argument: 'CREATE', 'SHOW', 'DESCRIBE' or 'CANCEL'.")
    svc = service_of(ctx)
    verb = as_text(args[0], "command").strip().upper()
    ctx.require_cortex_user()
    if verb == "CREATE":
        value = create_job(ctx, svc, args)
    elif verb == "SHOW":
        if len(args) != 1:
            raise compilation_error("FINETUNE('SHOW') takes no further arguments.")
        value = svc.show(ctx.account)
    elif verb in ("DESCRIBE", "CANCEL"):
        if len(args) != 2:
            raise compilation_error(f"FINETUNE('{verb}', '<finetune_job_id>') takes 2 arguments.")
        job_id = as_text(args[1], "finetune_job_id")
        value = svc.describe(ctx.account, job_id) if verb == "DESCRIBE" else svc.cancel(ctx.account, job_id)
    else:
        raise compilation_error(
            f"Invalid argument command: '{args[0]}'. Expected one of CREATE, SHOW, DESCRIBE, CANCEL."
        )
    column = node.alias if isinstance(node, exp.Alias) else inner.sql(dialect="snowflake")
    return Result([Column(column)], [(value,)])


def _qualify_calls(ctx: Context, sql: str) -> CursorResult | None:
    """Check Cortex access (ai_access.py: the function privilege, and model RBAC for a literal base model)
    and qualify literal fine-tuned model names; None when nothing changed."""
    for function in sorted({m[1].upper() for m in _ANY_CALL.finditer(sql)}):
        ai_access.require_ai_function(ctx.catalog, ctx.account, ctx.role, function)
    svc = service_of(ctx)
    changed = False

    def fix(m: re.Match[str]) -> str:
        nonlocal changed
        name = unquote_literal(m[2])
        if is_inference_base(name):
            ai_access.require_base_model(ctx.catalog, ctx.account, ctx.role, name)
            return m[0]
        if shared_functions.unmark(name) is not None:
            return m[0]  # a base model, or a provider's model behind a shared secure function
        target = _qualified_model(ctx, svc, name)
        changed = True
        return m[0][: m.start(2) - m.start(0)] + "'" + target.replace("'", "''") + "'"

    new_sql = _CALL.sub(fix, sql)
    if not changed:
        return None
    try:
        rewritten = rewrite_context_functions(ctx, parse_one(new_sql))
    except Exception:
        rewritten = None
    if rewritten is not None:
        new_sql = rewritten.sql(dialect="snowflake")
    return ctx.fakesnow(new_sql, ctx.params)


def _qualified_model(ctx: Context, svc: CortexService, name: str) -> str:
    try:
        parts = split_name(name)
    except Exception as exc:
        raise unknown_model(name) from exc
    if len(parts) > 3:
        raise unknown_model(name)
    try:
        db, schema, model = ctx.resolve(name, 3)
    except Exception as exc:
        raise unknown_model(name) from exc
    require_available(ctx.server, ctx.account, db)  # a database mounted from a share taken away
    rec = ctx.catalog.model(ctx.account, db, schema, model)
    if rec is None:
        raise unknown_model(name)
    if not ctx.has("USAGE", "MODEL", rec.qualified):
        raise does_not_exist(name, "Model")
    svc.model_ref(ctx.account, rec)  # a shared model whose share was revoked fails here
    return rec.qualified
