"""Credits a training will cost: trained tokens x a per-base-model rate the stack declares.

Snowflake bills Cortex Fine-tuning per trained token at a per-base-model rate in credits per million
tokens, published only in its Service Consumption Table
(https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning, "Cost considerations").
Rates change and differ by contract, so this project ships none as fact: a stack declares the ones it
uses under `cortex:spec` -> `credit_rates` ({"llama3.1-8b": <credits per 1M trained tokens>}), and the
plan and the pull-request comment show credits only for models with a declared rate.
A teacher's labelling (COMPLETE) is billed at another rate per model: `complete_credit_rates`
({"llama3.1-405b": <credits per 1M input + output tokens>}), read the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

SPEC_KEY = "cortex:spec"
RATES_KEY = "credit_rates"
COMPLETE_RATES_KEY = "complete_credit_rates"


def parse_rates(raw: Any) -> dict[str, float]:
    """{base model (lower case): credits per million trained tokens}; invalid entries are dropped
    (the program validates the spec and names the bad key; the provider never fails over a rate)."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, float] = {}
    for model, rate in raw.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float | str):
            continue
        try:
            value = float(rate)
        except ValueError:
            continue
        if math.isfinite(value) and value >= 0:
            out[str(model).strip().lower()] = value
    return out


def rates_from_stack_config(config: Mapping[str, Any], key: str = RATES_KEY) -> dict[str, float]:
    """The declared rates (under `key`) from the stack config the provider was configured with
    (`cortex:spec` arrives as an object, or as its JSON text)."""
    spec = config.get(SPEC_KEY)
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            return {}
    return parse_rates(spec.get(key)) if isinstance(spec, Mapping) else {}


def estimated_credits(trained_tokens: int, credits_per_million: float) -> float:
    return round(trained_tokens * credits_per_million / 1_000_000, 6)
