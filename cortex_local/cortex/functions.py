"""SNOWFLAKE.CORTEX.COMPLETE and COUNT_TOKENS as DuckDB macros over Python UDFs, per account.

Each account's DuckDB gets `ATTACH ':memory:' AS SNOWFLAKE`, schema SNOWFLAKE.CORTEX and macros that
call UDFs bound to that account, so the functions work anywhere an expression may stand (row by row
over a view, inside aggregates). Model names reach the UDF either as a base model ('mistral-7b') or
as a fully qualified MODEL name: the statement handler (handlers/cortex.py) qualifies literal names
with the session's database/schema and checks privileges before the query runs.

COMPLETE(model, prompt) returns the text; COMPLETE(model, history, options) returns Snowflake's JSON
shape {"choices":[{"messages": ...}],"created":...,"model":...,"usage":{...}}.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fakesnow.macros as fakesnow_macros
from duckdb.sqltypes import BIGINT, VARCHAR

from cortex_local.cortex.base_models import LLM_NAMES
from cortex_local.errors import does_not_exist, sql_error
from cortex_local.idents import split_name

if TYPE_CHECKING:
    from cortex_local.accounts import AccountRuntime
    from cortex_local.cortex.service import CortexService

# models COMPLETE answers besides the fine-tunable ones (e.g. a large "teacher" for distillation)
COMPLETE_ONLY_MODELS = frozenset(
    {"llama3.1-405b", "llama3.3-70b", "mistral-large", "mistral-large2", "snowflake-arctic", "reka-flash"}
)
DEFAULT_MAX_TOKENS = 4096


def is_inference_base(name: str) -> bool:
    low = name.strip().lower()
    return low in LLM_NAMES or low in COMPLETE_ONLY_MODELS


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
    from cortex_local.cortex.shared_functions import unmark

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


class FunctionRegistrar:
    """Installs the UDFs and macros into one account's DuckDB (idempotent)."""

    def __init__(self, service: CortexService) -> None:
        self.service = service

    def __call__(self, runtime: AccountRuntime) -> None:
        account = runtime.name
        svc = self.service

        def complete(model: str, prompt: str) -> str | None:
            if model is None or prompt is None:
                return None
            ref = resolve_model(svc, account, model)
            return svc.require_engine().complete(ref.base_model, ref.adapter_dir, prompt, DEFAULT_MAX_TOKENS)

        def complete_opts(model: str, history_json: str, options_json: str) -> str | None:
            if model is None or history_json is None:
                return None
            return _complete_with_options(svc, account, model, history_json, options_json)

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
                conn.create_function(name, fn, args, ret, side_effects=False)
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


def _complete_with_options(
    svc: CortexService, account: str, model: str, history_json: str, options_json: str | None
) -> str:
    history = _lower_keys(json.loads(history_json))
    options = _lower_keys(json.loads(options_json)) if options_json else {}
    if isinstance(history, str):
        prompt = history
    elif len(history or []) == 1 and history[0].get("role", "user") == "user":
        prompt = str(history[0].get("content", ""))  # one user turn: the same prompt as COMPLETE(m, p)
    else:
        prompt = "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in history or [])
    ref = resolve_model(svc, account, model)
    engine = svc.require_engine()
    max_tokens = int((options or {}).get("max_tokens") or DEFAULT_MAX_TOKENS)
    text = engine.complete(ref.base_model, ref.adapter_dir, prompt, max_tokens)
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
