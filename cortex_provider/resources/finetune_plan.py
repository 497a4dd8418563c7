"""The `training_plan` input: what a FineTunedModel (re)train will cost, shown in the plan's diff.

The provider's check adds it as a computed input, so `pulumi preview --diff` shows it next to the spec
change that causes it (old -> new), and policy packs read it from the resource's inputs:

    {"action": "train" | "retrain", "base_model": ..., "epochs": E, "rows": N,
     "estimated_trained_tokens": T, "validation": bool, "changed": [fields], "note": ...}

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
from typing import Any

from cortex_provider.resources.finetune_spec import REPLACE_ON
from cortex_provider.resources.preflight import preflight
from cortex_provider.session import Session

PLAN_KEY = "training_plan"
ROWS_UNKNOWN = "rows: unknown until the view exists"
CACHE_TTL_ENV = "CORTEX_PROVIDER_PLAN_CACHE_S"
_DEFAULT_TTL_S = 60.0

# (training_query, base_model, epochs) -> (rows, estimated trained tokens)
Measure = Callable[[str, str, int | None], tuple[int, int]]


def retrain_fields(olds: Mapping[str, Any], news: Mapping[str, Any], unknown: set[str]) -> list[str]:
    """Fields whose change makes the diff plan a replace (a new paid job), as FineTunedModelCore.diff
    decides it: a field absent from olds is not a change; an unknown one may be."""
    changed = [k for k in sorted(REPLACE_ON) if k in unknown or (k in olds and olds.get(k) != news.get(k))]
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
        self._items: dict[tuple[str, str, int | None], tuple[float, tuple[int, int]]] = {}

    def get(self, key: tuple[str, str, int | None]) -> tuple[int, int] | None:
        ttl = float(os.environ.get(CACHE_TTL_ENV, _DEFAULT_TTL_S))
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < ttl else None

    def put(self, key: tuple[str, str, int | None], value: tuple[int, int]) -> None:
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
) -> dict[str, Any] | None:
    """The training_plan for checked inputs `news` given the old inputs `olds` (empty: a create).
    Returns the old plan (or None) when nothing that retrains changed; `measure` runs only otherwise."""
    existing = any(k in olds for k in REPLACE_ON)
    changed = retrain_fields(olds, news, unknown) if existing else []
    if existing and not changed:
        old = olds.get(PLAN_KEY)
        return dict(old) if isinstance(old, Mapping) else None
    epochs = _epochs(news)
    plan: dict[str, Any] = {
        "action": "retrain" if existing else "train",
        "base_model": None if "base_model" in unknown else news.get("base_model"),
        "epochs": epochs or 1,
        "rows": None,
        "estimated_trained_tokens": None,
        "validation": "validation_query" in unknown or bool(news.get("validation_query")),
        "changed": changed,
        "note": None,
    }
    query, base = news.get("training_query"), plan["base_model"]
    if "training_query" in unknown or not isinstance(query, str) or not isinstance(base, str):
        plan["note"] = ROWS_UNKNOWN
        return plan
    key = (query, base, epochs)
    got = CACHE.get(key)
    if got is None:
        try:
            got = measure(query, base, epochs)
        except Exception as exc:  # never fail a plan over its estimate: the create measures again
            plan["note"] = f"{ROWS_UNKNOWN} ({_first_line(exc)})"
            return plan
        CACHE.put(key, got)
    plan["rows"], plan["estimated_trained_tokens"] = got
    return plan


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def preflight_measure(session: Callable[[], Session]) -> Measure:
    """A Measure over the read-only pre-flight aggregate; the session is opened only when needed."""

    def measure(query: str, base_model: str, epochs: int | None) -> tuple[int, int]:
        report = preflight(session(), query, base_model, epochs)
        return report.row_count, report.estimated_trained_tokens

    return measure
