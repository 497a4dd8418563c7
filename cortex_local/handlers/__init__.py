"""The ordered handler registry. Each statement goes through HANDLERS in order; the first that
returns a result answers it, otherwise fakesnow runs it. Contract: see handlers/base.py.

Other parts add their module's `handle` to HANDLERS (before `objects.handle`, which forwards
CREATE/DROP/USE of databases, schemas, tables and views to fakesnow after privilege checks).
"""

from __future__ import annotations

from cortex_local.handlers import (
    ai_access,
    cortex,
    function_calls,
    functions,
    grants,
    guard,
    models,
    objects,
    replication,
    replication_guard,
    replication_show,
    roles_users,
    session_ctx,
    shares,
    shares_consumer,
    shares_imported,
    show_grants,
    views_ddl,
)
from cortex_local.handlers.base import Column, Context, CursorResult, Handler, Result, Rewritten, normalised

HANDLERS: list[Handler] = [
    guard.handle,
    shares_imported.handle,  # cortex part: before USE and GRANT (imported databases)
    session_ctx.handle,
    ai_access.handle,  # 2026 Cortex access: USE AI FUNCTION(S), model roles (before grants/SHOW)
    replication_guard.handle,
    functions.handle,  # SQL UDFs: DDL, SHOW, grants (before shares/grants)
    function_calls.handle,  # inline UDF calls, then run the statement again
    cortex.handle,
    shares.handle,
    shares_consumer.handle,  # cortex part
    replication_show.handle,
    replication.handle,  # cortex part
    roles_users.handle,
    grants.handle,
    show_grants.handle,
    models.handle,
    views_ddl.handle,
    # other parts' handlers go here
    objects.handle,
]

__all__ = ["HANDLERS", "Column", "Context", "CursorResult", "Handler", "Result", "Rewritten", "normalised"]
