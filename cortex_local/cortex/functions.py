"""SNOWFLAKE.CORTEX.COMPLETE and COUNT_TOKENS as DuckDB macros over Python UDFs, per account.

Each account's DuckDB gets `ATTACH ':memory:' AS SNOWFLAKE`, schema SNOWFLAKE.CORTEX and macros that
call UDFs bound to that account, so the functions work anywhere an expression may stand (row by row
over a view, inside aggregates). Model names reach the UDF either as a base model ('mistral-7b') or
as a fully qualified MODEL name: the statement handler (handlers/cortex.py) qualifies literal names
with the session's database/schema and checks privileges before the query runs.

COMPLETE(model, prompt) returns the text; COMPLETE(model, history, options) returns Snowflake's JSON
shape {"choices":[{"messages": ...}],"created":...,"model":...,"usage":{...}}.
The COMPLETE UDFs are vectorized (DuckDB hands them a column of rows at a time): rows that ask the same
model with the same max_tokens go to the engine together (`complete_many` where the engine has it, as
the lora engine batches generation), so a COMPLETE over a table's rows is not paid row by row.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import fakesnow.macros as fakesnow_macros
import pyarrow as pa
from duckdb.sqltypes import BIGINT, VARCHAR

from cortex_local.cortex.base_models import is_inference_base
from cortex_local.cortex.shared_functions import unmark
from cortex_local.errors import does_not_exist, sql_error
from cortex_local.idents import split_name

if TYPE_CHECKING:
    from cortex_local.accounts import AccountRuntime
    from cortex_local.catalog_records import ModelRec
    from cortex_local.engines.base import Engine
    from cortex_local.server import EmulatorServer

DEFAULT_MAX_TOKENS = 4096


class CortexService(Protocol):
    """What the functions use of service.CortexService, which registers them (service.py imports this
    module, so this module names the service by what it needs of it)."""

    server: EmulatorServer

    def require_engine(self) -> Engine: ...

    def model_ref(self, account: str, rec: ModelRec) -> ModelRef: ...


def unknown_model(name: str) -> Exception:
    """What Cortex answers for a model name it cannot serve (its external-function error shape)."""
    return sql_error(
        100351,
        f"Request failed for external function COMPLETE$V6 with remote service error: 400 "
        f'\'"unknown model \\"{name}\\""\'',
        "P0000",
    )


class ModelRef:
    """What the engine needs for one COMPLETE call: the base model and, if fine-tuned, its adapter."""

    def __init__(self, base_model: str, adapter_dir: Path | None, display: str) -> None:
        self.base_model, self.adapter_dir, self.display = base_model, adapter_dir, display


def resolve_model(service: CortexService, account: str, name: str) -> ModelRef:
    """Base model, or a fully qualified MODEL in `account` (shared models follow their provider)."""
    if is_inference_base(name):
        return ModelRef(name.strip().lower(), None, name.strip().lower())
    through_share = unmark(name)  # a shared secure function's body: the model is the provider's
    if through_share is not None:
        provider, model = through_share
        rec = service.server.catalog.model(provider, *split_name(model))
        if rec is None:
            raise unknown_model(split_name(model)[-1])
        return service.model_ref(provider, rec)
    try:
        parts = split_name(name)
    except Exception as exc:
        raise unknown_model(name) from exc
    if len(parts) != 3:
        raise sql_error(
            100351,
            f"Model '{name}' could not be resolved: outside a top-level SELECT (e.g. in a view), the local "
            "emulator needs a fine-tuned model's fully qualified name DB.SCHEMA.MODEL.",
            "P0000",
        )
    rec = service.server.catalog.model(account, *parts)
    if rec is None:
        raise does_not_exist(name, "Model")
    return service.model_ref(account, rec)


def complete_rows(svc: CortexService, account: str, calls: list[tuple[str, str, int] | None]) -> list[str | None]:
    """(model, prompt, max_tokens) per row (None: a NULL argument) -> the completion per row; rows for one
    model and max_tokens are completed together."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, call in enumerate(calls):
        if call is not None:
            groups.setdefault((call[0], call[2]), []).append(i)
    out: list[str | None] = [None] * len(calls)
    for (model, max_tokens), rows in groups.items():
        ref = resolve_model(svc, account, model)
        engine = svc.require_engine()
        prompts = [calls[i][1] for i in rows]  # type: ignore[index]
        many = getattr(engine, "complete_many", None)
        texts = many(ref.base_model, ref.adapter_dir, prompts, max_tokens) if many is not None and len(rows) > 1 \
            else [engine.complete(ref.base_model, ref.adapter_dir, p, max_tokens) for p in prompts]
        for i, text in zip(rows, texts, strict=True):
            out[i] = text
    return out


class FunctionRegistrar:
    """Installs the UDFs and macros into one account's DuckDB (idempotent)."""

    def __init__(self, service: CortexService) -> None:
        self.service = service

    def __call__(self, runtime: AccountRuntime) -> None:
        account = runtime.name
        svc = self.service

        def complete(models: pa.Array, prompts: pa.Array) -> pa.Array:
            calls = [None if m is None or p is None else (m, p, DEFAULT_MAX_TOKENS)
                     for m, p in zip(models.to_pylist(), prompts.to_pylist(), strict=True)]
            return pa.array(complete_rows(svc, account, calls), pa.string())

        def complete_opts(models: pa.Array, histories: pa.Array, options: pa.Array) -> pa.Array:
            rows = [None if m is None or h is None else (m, *_prompt_and_max_tokens(h, o))
                    for m, h, o in zip(models.to_pylist(), histories.to_pylist(), options.to_pylist(), strict=True)]
            texts = complete_rows(svc, account, rows)  # type: ignore[arg-type]
            return pa.array([None if r is None or t is None else _options_answer(svc, account, r[0], r[1], t)
                             for r, t in zip(rows, texts, strict=True)], pa.string())

        def count_tokens(model: str, text: str) -> int | None:
            if model is None or text is None:
                return None
            ref = resolve_model(svc, account, model)
            return svc.require_engine().count_tokens(ref.base_model, text)

        with runtime.lock:
            conn = runtime.duck_conn
            for name, fn, args, ret in (
                ("_cortex_complete", complete, [VARCHAR, VARCHAR], VARCHAR),
                ("_cortex_complete_opts", complete_opts, [VARCHAR, VARCHAR, VARCHAR], VARCHAR),
                ("_cortex_count_tokens", count_tokens, [VARCHAR, VARCHAR], BIGINT),
            ):
                with contextlib.suppress(Exception):  # not registered yet
                    conn.remove_function(name)
                vectorized = "arrow" if name.startswith("_cortex_complete") else "native"
                conn.create_function(name, fn, args, ret, type=vectorized, side_effects=False)
            attached = conn.execute(
                "SELECT 1 FROM duckdb_databases() WHERE database_name = 'SNOWFLAKE'"
            ).fetchone()
            if attached is None:
                conn.execute("ATTACH ':memory:' AS SNOWFLAKE")
            conn.execute("CREATE SCHEMA IF NOT EXISTS SNOWFLAKE.CORTEX")
            # fakesnow's helper macros (OBJECT_CONSTRUCT -> _fs_object_construct, ...) live per database;
            # a session without a current database resolves them in the default catalog `memory`.
            if conn.execute("SELECT 1 FROM duckdb_databases() WHERE database_name = 'memory'").fetchone():
                conn.execute(fakesnow_macros.creation_sql("memory"))
            conn.execute(
                "CREATE OR REPLACE MACRO SNOWFLAKE.CORTEX.COMPLETE(m, p) AS _cortex_complete(m, p), "
                "(m, p, o) AS _cortex_complete_opts(m, to_json(p), to_json(o))"
            )
            conn.execute(
                "CREATE OR REPLACE MACRO SNOWFLAKE.CORTEX.COUNT_TOKENS(m, t) AS _cortex_count_tokens(m, t)"
            )


def _lower_keys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower_keys(v) for v in obj]
    return obj


def _prompt_and_max_tokens(history_json: str, options_json: str | None) -> tuple[str, int]:
    history = _lower_keys(json.loads(history_json))
    options = _lower_keys(json.loads(options_json)) if options_json else {}
    if isinstance(history, str):
        prompt = history
    elif len(history or []) == 1 and history[0].get("role", "user") == "user":
        prompt = str(history[0].get("content", ""))  # one user turn: the same prompt as COMPLETE(m, p)
    else:
        prompt = "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in history or [])
    return prompt, int((options or {}).get("max_tokens") or DEFAULT_MAX_TOKENS)


def _options_answer(svc: CortexService, account: str, model: str, prompt: str, text: str) -> str:
    """COMPLETE(model, history, options)'s JSON answer around the completion `text`."""
    ref = resolve_model(svc, account, model)
    engine = svc.require_engine()
    p_tokens, c_tokens = (
        engine.count_tokens(ref.base_model, prompt),
        engine.count_tokens(ref.base_model, text),
    )
    return json.dumps(
        {
            "choices": [{"messages": text}],
            "created": int(time.time()),
            "model": ref.display,
            "usage": {
                "completion_tokens": c_tokens,
                "prompt_tokens": p_tokens,
                "total_tokens": p_tokens + c_tokens,
            },
        }
    )
