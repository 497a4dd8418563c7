"""The `training_plan` input: what a FineTunedModel (re)train will cost, shown in the plan's diff.

The provider's check adds it as a computed input, so `pulumi preview --diff` shows it next to the spec
change that causes it (old -> new), and policy packs read it from the resource's inputs:

    {"action": "train" | "retrain", "base_model": ..., "epochs": E, "rows": N,
     "estimated_trained_tokens": T, "token_method": how T was counted, "validation": bool,
     "changed": [fields], "note": ...,
     "epochs_rule": ..., "max_trained_tokens": M,   (only with max_epochs unset: E is then the epochs
                                                    assumed, M the cost at the most Snowflake may choose)
     "credits_per_million_tokens": R, "estimated_credits": T * R / 1e6}   (the last two when declared)

T follows Snowflake's billing rule (input tokens after truncation x epochs, held-out rows of the
automatic validation split left out: resources/preflight.py). R is the stack's declared rate for the
base model (credits.py); Snowflake publishes rates only in its consumption table, none is built in.

Rules that keep a no-op plan a no-op and cheap:
- computed only for a new resource or when a field that retrains changed (the same fields the diff
  replaces on, plus the data fingerprint with retrain_on="data"); otherwise carried unchanged from
  the old inputs (absent stays absent), so nothing changes and no SQL is sent;
- measured with the read-only pre-flight aggregate (one SELECT, no rows fetched, no side effects);
  an unreadable source (a view created in this same `up`) or an unknown query gives rows/tokens
  None and the note ROWS_UNKNOWN instead of failing the check;
- a measurement is reused within one provider process for CACHE_TTL_S seconds (preview then up).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from cortex_provider import catalogue
from cortex_provider.resources.base import same
from cortex_provider.resources.credits import estimated_credits
from cortex_provider.resources.finetune.spec import REPLACE_ON, as_stored_now
from cortex_provider.resources.preflight import preflight
from cortex_provider.session import Session

PLAN_KEY = "training_plan"
ROWS_UNKNOWN = "rows: unknown until the view exists"
CACHE_TTL_ENV = "CORTEX_PROVIDER_PLAN_CACHE_S"
_DEFAULT_TTL_S = 60.0



class Measured(NamedTuple):
    rows: int
    trained_tokens: int  # estimated, by the billing rule
    token_method: str  # SNOWFLAKE.CORTEX.COUNT_TOKENS, or the labelled ~4 characters/token estimate
    truncated_rows: int = 0  # rows over the base model's prompt or completion share (truncated, not refused)
    max_trained_tokens: int | None = None  # at the most epochs the job may train (catalogue.epochs_bound)


# (training_query, base_model, epochs, automatic validation split) -> Measured
Measure = Callable[[str, str, int | None, bool], Measured]
Key = tuple[str, str, int | None, bool]


def retrain_fields(olds: Mapping[str, Any], news: Mapping[str, Any], unknown: set[str]) -> list[str]:
    """Fields whose change makes the diff plan a replace (a new paid job), as FineTunedModelCore.diff
    decides it; an unknown one may be. `olds` are old inputs, which do not say whether a missing field was
    null or an import's unknown (spec.stored reads that from state), so a field absent is no change here;
    where the diff sees one (a validation query added), it plans a replace or fails with ModelConflict,
    and the engine checks the replacement again without old inputs: its plan is a fresh `train`."""
    olds = as_stored_now(olds)
    changed = [k for k in sorted(REPLACE_ON) if k in unknown or (k in olds and not same(olds.get(k), news.get(k)))]
    if (news.get("retrain_on") == "data" and news.get("data_fingerprint") and olds.get("data_fingerprint")
            and olds.get("data_fingerprint") != news.get("data_fingerprint")):
        changed.append("data_fingerprint")
    return changed


def _epochs(news: Mapping[str, Any]) -> int | None:
    opts = news.get("options")
    value = opts.get("max_epochs") if isinstance(opts, Mapping) else None
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[Key, tuple[float, Measured]] = {}

    def get(self, key: Key) -> Measured | None:
        ttl = float(os.environ.get(CACHE_TTL_ENV, _DEFAULT_TTL_S))
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < ttl else None

    def put(self, key: Key, value: Measured) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = _Cache()


def plan_for(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    unknown: set[str],
    measure: Measure,
    rates: Mapping[str, float] | None = None,
) -> dict[str, Any] | None:
    """The training_plan for checked inputs `news` given the old inputs `olds` (empty: a create).
    Returns the old plan (or None) when nothing that retrains changed; `measure` runs only otherwise.
    `rates`: declared credits per million trained tokens, by base model (credits.py)."""
    existing = any(k in olds for k in REPLACE_ON)
    changed = retrain_fields(olds, news, unknown) if existing else []
    if existing and not changed:
        old = olds.get(PLAN_KEY)
        return dict(old) if isinstance(old, Mapping) else None
    epochs = _epochs(news)
    plan: dict[str, Any] = {
        "action": "retrain" if existing else "train",
        "base_model": None if "base_model" in unknown else news.get("base_model"),
        "epochs": catalogue.epochs_assumed(epochs),
        "rows": None,
        "estimated_trained_tokens": None,
        "validation": "validation_query" in unknown or bool(news.get("validation_query")),
        "changed": changed,
        "note": None,
    }
    if epochs is None:
        plan["epochs_rule"] = catalogue.EPOCHS_RULE
    advice = catalogue.advisories(plan["base_model"]) if isinstance(plan["base_model"], str) else []
    if advice:  # advisory, never an error: adopting or keeping a model on an older base is fine
        plan["advisories"] = advice
    query, base = news.get("training_query"), plan["base_model"]
    if "training_query" in unknown or not isinstance(query, str) or not isinstance(base, str):
        plan["note"] = ROWS_UNKNOWN
        return plan
    auto_split = not plan["validation"]
    key = (query, base, epochs, auto_split)
    got = CACHE.get(key)
    if got is None:
        try:
            got = measure(query, base, epochs, auto_split)
        except Exception as exc:  # never fail a plan over its estimate: the create measures again
            plan["note"] = f"{ROWS_UNKNOWN} ({_first_line(exc)})"
            return plan
        CACHE.put(key, got)
    plan["rows"], plan["estimated_trained_tokens"], plan["token_method"] = got[:3]
    if epochs is None and got.max_trained_tokens is not None:
        plan["max_trained_tokens"] = got.max_trained_tokens
    _limits(plan, base, epochs, got)
    rate = (rates or {}).get(base.strip().lower())
    if rate is not None:
        plan["credits_per_million_tokens"] = rate
        plan["estimated_credits"] = estimated_credits(got.trained_tokens, rate)
    return plan


def _limits(plan: dict[str, Any], base: str, epochs: int | None, got: Measured) -> None:
    """Row limit (rows, not bytes: 1-epoch limit / epochs) and rows that will be truncated (catalogue.py)."""
    model = catalogue.model(base)
    if model is not None:
        plan["row_limit"] = model.row_limit(epochs)
        if got.rows > plan["row_limit"]:
            plan["note"] = (f"{got.rows} rows exceed {base}'s row limit of {plan['row_limit']} at "
                            f"{catalogue.epochs_assumed(epochs)} epochs: sample the data or lower "
                            "max_epochs")
    if got.truncated_rows:
        plan["truncated"] = f"will be truncated: {got.truncated_rows} rows"


def _first_line(exc: BaseException) -> str:
    """The error's first line, whole: a fix cut mid-word is no fix."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def preflight_measure(session: Callable[[], Session]) -> Measure:
    """A Measure over the read-only pre-flight aggregate; the session is opened only when needed."""

    def measure(query: str, base_model: str, epochs: int | None, auto_split: bool) -> Measured:
        report = preflight(session(), query, base_model, epochs, auto_split=auto_split)
        cut = max(report.rows_over_prompt_limit or 0, report.rows_over_completion_limit or 0)
        return Measured(report.row_count, report.estimated_trained_tokens, report.token_method, cut,
                        report.max_trained_tokens)

    return measure
