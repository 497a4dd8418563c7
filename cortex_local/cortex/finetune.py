"""FINETUNE('CREATE', name, base_model, training_query [, validation_query [, options]]) for a session.

What CREATE rejects at call time (synchronously): argument count, an unknown base model, bad options
JSON, and privileges — the SNOWFLAKE.CORTEX_USER database role; USAGE on every database the queries
read; (CREATE MODEL and USAGE) or OWNERSHIP on the schema the model is saved to.

Everything about the *data* fails asynchronously, as in Snowflake: the training query runs inside the
job, wrapped as `SELECT "PROMPT", "COMPLETION" FROM (<query>)` (so the columns resolve upper-case and a
quoted lower-case alias does not match), and a failure shows up in DESCRIBE as status ERROR with
`{"code": "INVALID_PARAMETER_VALUE", "message": "Failed to query input data for Fine-tuning. Failed to
execute query: ..."}` (the shape snowflake-ml-python's own tests expect of FinetuneJob.describe(); the
query-failure text after the SQL is fakesnow's/DuckDB's, not Snowflake's).
Deviation: the emulator runs the queries once at CREATE (as the caller) and keeps the rows with the
job; Snowflake reads them when the job runs. The failure is still reported only through the job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakesnow.dialect import parse_one
from snowflake.connector.errors import ProgrammingError
from sqlglot import exp

from cortex_local.cortex.base_models import DOCUMENT, base_model
from cortex_local.cortex.job_store import JobRecord
from cortex_local.cortex.readonly import require_writable
from cortex_local.cortex.service import CortexService, cortex_error
from cortex_local.errors import compilation_error, does_not_exist, insufficient_privileges, unsupported
from cortex_local.idents import qualified, quote

if TYPE_CHECKING:
    from cortex_local.handlers.base import Context

INVALID = "INVALID_PARAMETER_VALUE"


class DeferredFailure(Exception):
    """A data problem found at CREATE that Snowflake reports through the job (status ERROR)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.error = {"code": INVALID, "message": message}


def wrapped(query: str) -> str:
    return f'SELECT "PROMPT", "COMPLETION" FROM ({query})'


def query_failed(query: str, detail: str) -> DeferredFailure:
    return DeferredFailure(
        f"Failed to query input data for Fine-tuning. Failed to execute query: {wrapped(query)}. {detail}"
    )


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
    """Databases `query` reads (for the synchronous USAGE check); a query that does not parse fails
    later, inside the job."""
    try:
        tree = parse_one(query)
    except Exception as exc:
        raise query_failed(query, f"001003 (42000): SQL compilation error: {getattr(exc, 'msg', exc)}") from exc
    ctes = {c.alias_or_name.upper() for c in tree.find_all(exp.CTE)}
    out: set[str] = set()
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name.upper() in ctes):
            continue
        cat = table.args.get("catalog")
        db = (cat.name if cat.quoted else cat.name.upper()) if cat is not None else ctx.session.database
        if not db:
            raise query_failed(
                query,
                "090105 (22000): Cannot perform SELECT. This session does not have a current database. "
                "Call 'USE DATABASE', or use a qualified name.",
            )
        out.add(db)
    return out


def check_read_privileges(ctx: Context, query: str) -> None:
    """USAGE on each database the query reads: checked at CREATE (a privilege, not data)."""
    for db in sorted(_databases_read(ctx, query)):
        if not ctx.has("USAGE", "DATABASE", quote(db)):
            raise insufficient_privileges("DATABASE", db)


def collect_rows(ctx: Context, query: str, what: str) -> list[tuple[str, str]]:
    """Run `query` as the caller and return its (PROMPT, COMPLETION) rows, or raise DeferredFailure."""
    try:
        cur = ctx.fakesnow(query).cursor
    except ProgrammingError as exc:
        code = f"{exc.errno:06d}" if isinstance(exc.errno, int) else str(exc.errno)
        raise query_failed(query, f"{code} ({exc.sqlstate}): {exc.msg}") from exc
    # Snowflake resolves the wrapper's "PROMPT"/"COMPLETION" exactly: an unquoted alias is upper-case,
    # a quoted lower-case one ("prompt") is a different column. fakesnow reports Snowflake's names.
    names = [str(d[0]) for d in (cur.description or [])]
    for col, pos in (("PROMPT", 7), ("COMPLETION", 17)):
        if col not in names:
            raise query_failed(
                query, f"000904 (42000): SQL compilation error: error line 1 at position {pos}\n"
                f"invalid identifier '\"{col}\"'"
            )
    ip, ic = names.index("PROMPT"), names.index("COMPLETION")
    rows: list[tuple[str, str]] = []
    for n, row in enumerate(cur.fetchall(), start=1):
        if row[ip] is None or row[ic] is None:  # undocumented in Snowflake: our choice, an ERROR
            raise DeferredFailure(f"Invalid {what}: row {n} has a NULL prompt or completion.")
        rows.append((str(row[ip]), str(row[ic])))
    if what == "training data" and not rows:  # undocumented text: our choice
        raise DeferredFailure("Invalid training data: the query returned no rows.")
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
    spec = base_model(as_text(args[2], "base_model"), service.catalogue)
    training = as_text(args[3], "training_data_query")
    validation = as_text(args[4], "validation_data_query") if len(args) > 4 and args[4] else None
    options = validate_options(as_options(args[5] if len(args) > 5 else None))
    if spec.kind == DOCUMENT:
        raise unsupported(f"Fine-tuning {spec.name} (document extraction on snow://dataset/... inputs)")
    db, schema, model = ctx.resolve(name, 3)
    if not ctx.runtime.schema_exists(db, schema):
        raise does_not_exist(qualified(db, schema), "Schema")
    require_writable(ctx.server, ctx.account, db)
    schema_q = qualified(db, schema)
    if not (ctx.has("CREATE MODEL", "SCHEMA", schema_q) and ctx.has("USAGE", "SCHEMA", schema_q)):
        raise insufficient_privileges("SCHEMA", schema)
    train: list[tuple[str, str]] = []
    valid: list[tuple[str, str]] = []
    failure: dict[str, Any] | None = None
    try:
        check_read_privileges(ctx, training)
        if validation:
            check_read_privileges(ctx, validation)
        train = collect_rows(ctx, training, "training data")
        valid = collect_rows(ctx, validation, "validation data") if validation else []
    except DeferredFailure as exc:
        failure, train, valid = exc.error, [], []
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
        deferred_error=failure,
    )
    service.submit(rec, train, valid)
    return rec.id
