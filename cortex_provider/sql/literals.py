"""SQL literals rendered by Snowflake's rules, so user text can never leave its literal.

Inside '...' Snowflake treats a backslash as an escape character and `''` as one quote, so a
string is rendered by doubling every backslash first and every quote second. The two escapes
never interact: after the rewrite each backslash is paired, each quote is paired, and the
only unpaired quote is the closing one. NUL is refused (Snowflake strings cannot carry it through
every client and no legitimate query or prompt needs it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from cortex_provider.errors import InvalidLiteral

Scalar: TypeAlias = str | int | float | bool | None
Value: TypeAlias = Scalar | Sequence["Value"] | Mapping[str, "Value"]


def string(text: str, field: str = "value") -> str:
    """'...' literal for any text (queries passed to FINETUNE, prompts, LIKE patterns)."""
    if not isinstance(text, str):
        raise InvalidLiteral(field, f"expected text, got {type(text).__name__}", "pass a string")
    if "\x00" in text:
        raise InvalidLiteral(field, "the text contains a NUL character", "remove the \\x00 character")
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def like_exact(name: str, field: str = "name") -> str:
    """LIKE '<pattern>' that matches `name` (a resolved identifier), possibly with siblings.

    SHOW ... LIKE is case-insensitive with `%`/`_` wildcards, so the name itself is already a
    pattern that matches it; a backslash (an escape character in LIKE) becomes `_`, which matches
    it whatever the escape rules. The pattern may match other names too (case variants, `_` as any
    character): callers always keep only rows whose `name` equals the resolved name exactly.
    """
    return string(name.replace("\\", "_"), field)


def number(value: int | float, field: str = "value") -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidLiteral(field, f"expected a number, got {type(value).__name__}", "pass an int or float")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidLiteral(field, f"{value} is not a finite number", "pass a finite number")
    return repr(value)


def value(v: Value, field: str = "value") -> str:
    """Any JSON-like value: strings, numbers, booleans, NULL, arrays `[...]`, objects `{'k': v}`."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        return number(v, field)
    if isinstance(v, str):
        return string(v, field)
    if isinstance(v, Mapping):
        return object_constant(v, field)
    if isinstance(v, Sequence):
        return "[" + ", ".join(value(x, f"{field}[{i}]") for i, x in enumerate(v)) + "]"
    raise InvalidLiteral(
        field, f"cannot render a {type(v).__name__}", "use str, int, float, bool, list or dict"
    )


def object_constant(obj: Mapping[str, Value], field: str = "options") -> str:
    """Snowflake OBJECT constant `{'key': value, ...}` (keys in the given order)."""
    items = []
    for k, v in obj.items():
        if not isinstance(k, str) or not k:
            raise InvalidLiteral(field, f"object key {k!r} is not a non-empty string", "use string keys")
        items.append(f"{string(k, field)}: {value(v, f'{field}.{k}')}")
    return "{" + ", ".join(items) + "}"
