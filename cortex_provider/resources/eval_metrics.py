"""The evaluation metrics, defined once, precisely; each scores one row in [0, 1], a run is the mean.

- exact_match: 1 when the output equals the expected completion after cutting whitespace at both
  ends (case and inner whitespace count), else 0.
- similarity: 1 - Levenshtein(output, expected) / max(len(output), len(expected), 1) over the
  trimmed texts, in characters (Snowflake's EDITDISTANCE). 1 = identical, 0 = nothing in common.
- json_keys: the output must be ONE JSON object (whitespace, and a ```json fence around it, are
  tolerated); otherwise 0. Its score is |keys present in both with equal values| / |union of keys|,
  so a missing key, an extra key and a wrong value each cost. Values are equal when both are
  numbers with the same value (1 == 1.0), both strings equal after trimming and case-folding, or
  otherwise equal as JSON (lists, objects, booleans, null). Expected completions must be JSON
  objects themselves (a data error otherwise).

exact_match and similarity are also computed in SQL (sql/distill.py, `EvalScores`) with the same
definitions, so only one aggregate row comes back; json_keys is scored here from the fetched outputs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, Literal

Metric = Literal["exact_match", "json_keys", "similarity"]
METRICS: tuple[Metric, ...] = ("exact_match", "json_keys", "similarity")
SQL_METRICS = frozenset({"exact_match", "similarity"})
_WS = " \t\n\r\f\v"


class ExpectedNotJson(ValueError):
    """json_keys needs expected completions that are JSON objects."""


def trimmed(text: str | None) -> str:
    return (text or "").strip(_WS)


def exact_match(output: str | None, expected: str | None) -> float:
    return 1.0 if trimmed(output) == trimmed(expected) else 0.0


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def similarity(output: str | None, expected: str | None) -> float:
    o, e = trimmed(output), trimmed(expected)
    return 1.0 - levenshtein(o, e) / max(len(o), len(e), 1)


def parse_object(text: str | None) -> dict[str, Any] | None:
    """The JSON object `text` holds (optionally inside a ``` fence), else None."""
    body = trimmed(text)
    if body.startswith("```") and body.endswith("```") and len(body) >= 6:
        body = body[3:-3]
        body = body[4:] if body[:4].lower() == "json" else body
        body = trimmed(body)
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def same_value(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=1e-9) or a == b
    if isinstance(a, str) and isinstance(b, str):
        return trimmed(a).casefold() == trimmed(b).casefold()
    return bool(a == b) and type(a) is type(b)


def json_keys(output: str | None, expected: str | None) -> float:
    want = parse_object(expected)
    if want is None:
        raise ExpectedNotJson(f"expected completion {trimmed(expected)[:60]!r} is not a JSON object")
    got = parse_object(output)
    if got is None:
        return 0.0
    keys = set(want) | set(got)
    if not keys:
        return 1.0
    return sum(1 for k in set(want) & set(got) if same_value(got[k], want[k])) / len(keys)


SCORERS = {"exact_match": exact_match, "json_keys": json_keys, "similarity": similarity}


def mean_score(metric: Metric, pairs: Iterable[tuple[str | None, str | None]]) -> float | None:
    """Mean of the metric over (output, expected) pairs; None when there are none."""
    scorer = SCORERS[metric]
    scores = [scorer(out, exp) for out, exp in pairs]
    return sum(scores) / len(scores) if scores else None
