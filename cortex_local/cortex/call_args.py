"""Evaluate the arguments of a `SELECT SNOWFLAKE.CORTEX.FINETUNE(...)` call.

Literals and bind placeholders are read directly; anything else (OBJECT_CONSTRUCT(...), PARSE_JSON,
string concatenation) is evaluated by DuckDB through fakesnow on the caller's session.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from cortex_local.errors import compilation_error

if TYPE_CHECKING:
    from cortex_local.handlers.base import Context


class ArgReader:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._next_positional = 0

    def value(self, node: exp.Expression) -> Any:
        if isinstance(node, exp.Literal):
            return node.this if node.is_string else json.loads(node.this)
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if isinstance(node, exp.Placeholder):
            return self._param(node)
        if isinstance(node, exp.Struct):
            out: dict[str, Any] = {}
            for item in node.expressions:
                if not isinstance(item, exp.PropertyEQ):
                    raise compilation_error(f"unsupported object literal entry {item.sql()}")
                key = item.this
                name = key.name if isinstance(key, exp.Identifier | exp.Column) else self.value(key)
                out[str(name)] = self.value(item.expression)
            return out
        return self._evaluate(node)

    def _param(self, node: exp.Placeholder) -> Any:
        params = self.ctx.params
        name = node.name
        if isinstance(params, dict):
            if name not in params:
                raise compilation_error(f"bind variable :{name} not set")
            return params[name]
        if not params:
            raise compilation_error("Bind variable ? not set.")
        if name and name.isdigit():
            return params[int(name) - 1]
        value = params[self._next_positional]
        self._next_positional += 1
        return value

    def _evaluate(self, node: exp.Expression) -> Any:
        sql = "SELECT " + node.sql(dialect="snowflake")
        cur = self.ctx.fakesnow(sql).cursor
        row = cur.fetchone()
        value = row[0] if row else None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


def as_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise compilation_error(f"Invalid argument {what}: expected a string, got {value!r}")
    return value


def as_options(value: Any) -> dict[str, Any]:
    """FINETUNE options: an OBJECT or the string form of a JSON object, e.g. '{"max_epochs": 3}'."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise compilation_error(f"Invalid argument options: not a JSON object: {value}") from exc
    if not isinstance(value, dict):
        raise compilation_error(f"Invalid argument options: expected a JSON object, got {value!r}")
    return {str(k).lower(): v for k, v in value.items()}
