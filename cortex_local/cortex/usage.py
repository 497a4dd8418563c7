"""SNOWFLAKE.ACCOUNT_USAGE.CORTEX_FINE_TUNING_USAGE_HISTORY and SYSTEM$CORTEX_LOCAL_ENGINE_STATS.

The view (https://docs.snowflake.com/en/sql-reference/account-usage/cortex_fine_tuning_usage_history):
START_TIME, END_TIME (TIMESTAMP_LTZ: the hour in which jobs terminated), MODEL_NAME (the base model),
TOKEN_CREDITS (NUMBER), TOKENS (NUMBER: trained tokens billed), aggregated per base model and hour.
The emulator fills it from its job records (jobs that terminated with trained tokens > 0), refreshed
when a statement reads it, with no Account Usage latency. Snowflake publishes credit rates only in its
consumption table, so the emulator ships none: TOKEN_CREDITS is NULL unless the server is given rates
(credits per million tokens) in CORTEX_LOCAL_FINETUNE_CREDIT_RATES="llama3.1-8b=R,mistral-7b=R2".
Reading it needs ACCOUNTADMIN (Snowflake's default for the SNOWFLAKE database's ACCOUNT_USAGE schema).

SYSTEM$CORTEX_LOCAL_ENGINE_STATS('<job_id>') (emulator-only) returns the engine's own figures for a job
as JSON: what the local model really processed (chat-template tokens), steps, epochs, rows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from cortex_local.cortex.job_store import TERMINAL, JobRecord

if TYPE_CHECKING:
    from cortex_local.accounts import AccountRuntime

RATES_ENV = "CORTEX_LOCAL_FINETUNE_CREDIT_RATES"
VIEW = "SNOWFLAKE.ACCOUNT_USAGE.CORTEX_FINE_TUNING_USAGE_HISTORY"
UsageRow = tuple[datetime, datetime, str, Decimal | None, int]


def credit_rates(env: Mapping[str, str] | None = None) -> dict[str, Decimal]:
    """Base model -> credits per million trained tokens, from RATES_ENV (none by default)."""
    raw = (os.environ if env is None else env).get(RATES_ENV, "")
    rates: dict[str, Decimal] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        model, _, rate = part.partition("=")
        rates[model.strip().lower()] = Decimal(rate.strip())
    return rates


def usage_rows(jobs: list[JobRecord], account: str, rates: Mapping[str, Decimal]) -> list[UsageRow]:
    """One row per (hour the job terminated, base model), as the view aggregates."""
    buckets: dict[tuple[datetime, str], int] = {}
    for rec in jobs:
        if rec.account != account or rec.status not in TERMINAL or not rec.trained_tokens:
            continue
        ended = datetime.fromtimestamp((rec.finished_on or rec.created_on) / 1000, UTC)
        hour = ended.replace(minute=0, second=0, microsecond=0)
        key = (hour, rec.base_model)
        buckets[key] = buckets.get(key, 0) + int(rec.trained_tokens)
    rows: list[UsageRow] = []
    for (hour, model), tokens in sorted(buckets.items()):
        rate = rates.get(model)
        credits = (Decimal(tokens) * rate / Decimal(1_000_000)).quantize(Decimal("1e-9")) if rate else None
        rows.append((hour, hour + timedelta(hours=1), model, credits, tokens))
    return rows


def refresh_view(runtime: AccountRuntime, rows: list[UsageRow]) -> None:
    """(Re)write the account's usage table in its SNOWFLAKE catalog (attached by FunctionRegistrar)."""
    with runtime.lock:
        conn = runtime.duck_conn
        conn.execute("CREATE SCHEMA IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE")
        conn.execute(
            f"CREATE OR REPLACE TABLE {VIEW} (START_TIME TIMESTAMPTZ, END_TIME TIMESTAMPTZ, "
            "MODEL_NAME VARCHAR, TOKEN_CREDITS DECIMAL(38, 9), TOKENS BIGINT)"
        )
        if rows:
            conn.executemany(f"INSERT INTO {VIEW} VALUES (?, ?, ?, ?, ?)", rows)


def engine_stats(rec: JobRecord) -> str:
    """SYSTEM$CORTEX_LOCAL_ENGINE_STATS: the engine's figures next to the billed one."""
    return json.dumps(
        {
            "id": rec.id,
            "status": rec.status,
            "engine": rec.engine,
            "backing_model": rec.backing_model,
            "trained_tokens": rec.trained_tokens,
            **(rec.engine_stats or {}),
        },
        separators=(",", ":"),
    )
