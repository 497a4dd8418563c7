"""MODEL objects: SHOW MODELS, DESCRIBE MODEL, DROP MODEL, ALTER MODEL … SET/UNSET COMMENT. Records come
from the catalog API (FINETUNE, replication, shares); a role sees a model it owns or holds USAGE on.

Columns are Snowflake's, in its order (https://docs.snowflake.com/en/sql-reference/sql/show-models):
created_on, name, model_type, database_name, schema_name, owner, comment, versions, default_version_name,
aliases — nothing else. What the emulator must say of its own (which local engine and model stood in for
the base model) goes where Snowflake has free text: the comment of a model that has none."""

from __future__ import annotations

import json
import re

from sqlglot import Expr

from cortex_local.catalog_records import ModelRec
from cortex_local.errors import does_not_exist, insufficient_privileges, unsupported
from cortex_local.handlers.base import TIMESTAMP, Context, Result
from cortex_local.handlers.common import (
    SHOW_TAIL,
    SUCCESS,
    already_dropped,
    dropped,
    match,
    show_filter,
    starts,
)
from cortex_local.idents import qualified, quote, unquote_literal

MODEL_COLUMNS = [
    ("created_on", TIMESTAMP),
    "name",
    "model_type",
    "database_name",
    "schema_name",
    "owner",
    "comment",
    "versions",
    "default_version_name",
    "aliases",
]


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if m := match(r"SHOW MODELS" + SHOW_TAIL, sql):
        return _show(ctx, m)
    if m := match(r"DESC(?:RIBE)? MODEL ({QNAME})", sql):
        model = _visible(ctx, m[1])
        return Result.table(MODEL_COLUMNS, [_row(model)])
    if m := match(r"DROP MODEL (IF EXISTS )?({QNAME})", sql):
        return _drop(ctx, m[2], bool(m[1]))
    if m := match(r"ALTER MODEL (IF EXISTS )?({QNAME}) (?:SET COMMENT ?= ?({STRING})|(UNSET COMMENT))", sql):
        return _comment(ctx, m[2], bool(m[1]), None if m[4] else unquote_literal(m[3]))
    if (
        starts(sql, "CREATE", "MODEL")
        or starts(sql, "CREATE", "OR", "REPLACE", "MODEL")
        or starts(sql, "ALTER", "MODEL")
        or starts(sql, "SHOW", "VERSIONS")
    ):
        raise unsupported("CREATE/ALTER MODEL and model versions (models come from SNOWFLAKE.CORTEX.FINETUNE)")
    return None


def _row(m: ModelRec) -> tuple[object, ...]:
    aliases = {"DEFAULT": "V1", "FIRST": "V1", "LAST": "V1"}
    return (
        m.created_on,
        m.name,
        m.model_type,
        m.database,
        m.schema,
        m.owner,
        m.comment or _local_note(m),
        json.dumps(["V1"]),
        "V1",
        json.dumps(aliases),
    )


def _local_note(m: ModelRec) -> str:
    if not m.base_model:
        return ""
    engine = m.extra.get("engine") or "local"
    return (f"cortex_local: fine-tuned from {m.base_model} by the {engine} engine on {m.backing_model} "
            f"(job {m.job_id}); not trained by Snowflake")


def _show(ctx: Context, m: re.Match[str]) -> Result:
    flt = show_filter(ctx, m)
    models = ctx.catalog.models(ctx.account, flt.database, flt.schema)
    rows = [_row(x) for x in models if flt.name_ok(x.name) and ctx.has("USAGE", "MODEL", x.qualified)]
    return Result.table(MODEL_COLUMNS, rows)


def _find(ctx: Context, name: str) -> tuple[str, str, str, ModelRec | None]:
    db, schema, obj = ctx.resolve(name, 3)
    return db, schema, obj, ctx.catalog.model(ctx.account, db, schema, obj)


def _visible(ctx: Context, name: str) -> ModelRec:
    db, schema, obj, model = _find(ctx, name)
    if model is None or not ctx.has("USAGE", "MODEL", model.qualified):
        raise does_not_exist(qualified(db, schema, obj))
    return model


def _comment(ctx: Context, name: str, if_exists: bool, text: str | None) -> Result:
    """ALTER MODEL … SET COMMENT = '…' | UNSET COMMENT: the model's owner only
    (https://docs.snowflake.com/en/sql-reference/sql/alter-model). UNSET is not on that page; it is
    taken as Snowflake takes it for other objects (the comment becomes empty)."""
    with ctx.catalog.lock:
        db, schema, obj, model = _find(ctx, name)
        if model is None or not ctx.has("USAGE", "MODEL", model.qualified):
            if if_exists and model is None:
                return Result.status(SUCCESS)
            raise does_not_exist(qualified(db, schema, obj))
        if not ctx.has("OWNERSHIP", "MODEL", model.qualified):
            raise insufficient_privileges("model", quote(obj))
        model.comment = text or None
        ctx.catalog.save()
    return Result.status(SUCCESS)


def _drop(ctx: Context, name: str, if_exists: bool) -> Result:
    with ctx.catalog.lock:
        db, schema, obj, model = _find(ctx, name)
        if model is None:
            if if_exists:
                return Result.status(already_dropped(quote(obj)))
            raise does_not_exist(qualified(db, schema, obj))
        if not ctx.has("OWNERSHIP", "MODEL", model.qualified):
            if not ctx.has("USAGE", "MODEL", model.qualified):
                raise does_not_exist(model.qualified)
            raise insufficient_privileges("model", quote(obj))
        ctx.catalog.drop_model(ctx.account, db, schema, obj)
    return Result.status(dropped(quote(obj)))
