"""A plan's values as the review reads them: a number or a text, or None for anything else (an unknown
from a preview, a missing key, a bool where a count belongs)."""

from __future__ import annotations

from typing import Any

from cortex_provider.review.kinds import is_unknown


def as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_unknown(value) else None
