"""FINETUNE('CREATE', name, base_model, training_query [, validation_query [, options]]) for a session.

Checks follow Snowflake's access-control table for fine-tuning: the SNOWFLAKE.CORTEX_USER database
role; USAGE on every database the training/validation queries read; (CREATE MODEL and USAGE) or
OWNERSHIP on the schema the model is saved to. The queries run once, now, as the caller; their
`prompt` and `completion` columns (case-insensitive; other columns ignored) become the job's rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakesnow.dialect import parse_one
from sqlglot import exp

from cortex_local.cortex.base_models import base_model
from cortex_local.cortex.job_store import JobRecord
from cortex_local.cortex.readonly import require_writable
from cortex_local.cortex.service import CortexService, cortex_error
from cortex_local.errors import compilation_error, does_not_exist, insufficient_privileges
from cortex_local.idents import qualified, quote

if TYPE_CHECKING:
    from cortex_local.handlers.base import Context

MAX_EPOCHS = (1, 10)
# emulator-only option prefixes passed through to the engine (e.g. stub_step_seconds, lora_rank)
LOCAL_OPTION_PREFIXES = ("stub_", "lora_", "local_")


def validate_options(options: dict[str, Any]) -> dict[str, Any]:
    for key, value in options.items():
        if key == "max_epochs":
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or int(value) != value
                or not MAX_EPOCHS[0] <= value <= MAX_EPOCHS[1]
            ):
                raise cortex_error(
                    f"Invalid option max_epochs: {value!r}; it must be an integer from 1 to 10 (inclusive)."
                )
            options[key] = int(value)
        elif not key.startswith(LOCAL_OPTION_PREFIXES):
            raise cortex_error(f"Invalid option '{key}'. Supported options: max_epochs.")
    return options


def _databases_read(ctx: Context, query: str) -> set[str]:
    try:
        tree = parse_one(query)
    except Exception as exc:
        raise compilation_error(f"Invalid training data query: {getattr(exc, 'msg', exc)}") from exc
    ctes = {c.alias_or_name.upper() for c in tree.find_all(exp.CTE)}
    out: set[str] = set()
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name.upper() in ctes):
            continue
        cat = table.args.get("catalog")
        db = (cat.name if cat.quoted else cat.name.upper()) if cat is not None else ctx.session.database
        if not db:
            raise compilation_error(
                "Cannot perform SELECT. This session does not have a current database. "
                "Call 'USE DATABASE', or use a qualified name."
            )
        out.add(db)
    return out


def collect_rows(ctx: Context, query: str, what: str) -> list[tuple[str, str]]:
    for db in sorted(_databases_read(ctx, query)):
        if not ctx.has("USAGE", "DATABASE", quote(db)):
            raise insufficient_privileges("DATABASE", db)
    cur = ctx.fakesnow(query).cursor
    names = [str(d[0]).lower() for d in (cur.description or [])]
    missing = [c for c in ("prompt", "completion") if c not in names]
    if missing:
        raise cortex_error(
            f"Invalid {what} query: its result must contain columns named prompt and completion "
            f"(missing: {', '.join(missing)}). Use a column alias, e.g. SELECT a AS prompt, b AS completion."
        )
    ip, ic = names.index("prompt"), names.index("completion")
    rows: list[tuple[str, str]] = []
    for n, row in enumerate(cur.fetchall(), start=1):
        if row[ip] is None or row[ic] is None:
            raise cortex_error(f"Invalid {what}: row {n} has a NULL prompt or completion.")
        rows.append((str(row[ip]), str(row[ic])))
    if what == "training data" and not rows:
        raise cortex_error("Invalid training data: the query returned no rows.")
    return rows


def create_job(ctx: Context, service: CortexService, args: list[Any]) -> str:
    from cortex_local.cortex.call_args import as_options, as_text

    if not 4 <= len(args) <= 6:
        raise compilation_error(
            "FINETUNE('CREATE', '<name>', '<base_model>', '<training_data_query>' "
            "[, '<validation_data_query>' [, '<options>']]) takes 4 to 6 arguments."
        )
    ctx.require_cortex_user()
    name = as_text(args[1], "name")
    spec = base_model(as_text(args[2], "base_model"))
    training = as_text(args[3], "training_data_query")
    validation = as_text(args[4], "validation_data_query") if len(args) > 4 and args[4] else None
    options = validate_options(as_options(args[5] if len(args) > 5 else None))
    db, schema, model = ctx.resolve(name, 3)
    if not ctx.runtime.schema_exists(db, schema):
        raise does_not_exist(qualified(db, schema), "Schema")
    require_writable(ctx.server, ctx.account, db)
    schema_q = qualified(db, schema)
    if not (ctx.has("CREATE MODEL", "SCHEMA", schema_q) and ctx.has("USAGE", "SCHEMA", schema_q)):
        raise insufficient_privileges("SCHEMA", schema)
    train = collect_rows(ctx, training, "training data")
    valid = collect_rows(ctx, validation, "validation data") if validation else []
    engine = service.require_engine()
    rec = JobRecord(
        id=service.new_job_id(),
        account=ctx.account,
        owner_role=ctx.role,
        base_model=spec.name,
        model_db=db,
        model_schema=schema,
        model_name=model,
        model=qualified(db, schema, model),
        training_data=training,
        validation_data=validation,
        options=options,
        engine=engine.name,
        backing_model=engine.backing_model(spec.name),
    )
    service.submit(rec, train, valid)
    return rec.id
