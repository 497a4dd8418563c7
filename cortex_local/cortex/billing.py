"""What the emulator bills for a fine-tuning job, by Snowflake's documented rule, independent of engine.

Snowflake: "Fine-tuning trained tokens = number of input tokens * number of epochs trained", tokens as
COUNT_TOKENS counts them, and rows longer than the base model's prompt/completion share of the context
window are truncated (https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning,
"Cost considerations" and the per-model context split). So a row bills
    min(COUNT_TOKENS(prompt), prompt share) + min(COUNT_TOKENS(completion), completion share)
and a job bills the sum over the rows it trains on, times the epochs it trained. The engine's own
figure (chat-template tokens the local model really processes) is an engine statistic: it goes to the
server log and SYSTEM$CORTEX_LOCAL_ENGINE_STATS('<job_id>'), never to DESCRIBE or the usage view.

Validation data. FINETUNE('CREATE') documents: "If a query for validation data is not specified, your
training data is automatically split into training and validation data"
(https://docs.snowflake.com/en/sql-reference/functions/finetune-create); the ratio and the rows chosen
are not documented. The emulator's choice, so a plan can reproduce it in SQL on any backend:
- it holds out floor(rows * 10%) rows, the first ones in the order of MD5(prompt || '|' || completion)
  (lower-case hex, the same on Snowflake, DuckDB and Python); fewer than 10 rows: no hold-out;
- validation rows (held out, or from a validation query) are evaluated, not trained on, so they are
  not billed: "input tokens" are read as the tokens the job trains on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from cortex_local.cortex.base_models import BaseModel
from cortex_local.engines.stub import default_epochs

VALIDATION_PERCENT = 10  # held out of the training rows when no validation query is given
SPLIT_SEPARATOR = "|"

Row = tuple[str, str]


class Counter(Protocol):
    def count_tokens(self, base_model: str, text: str) -> int: ...


def epochs_for(options: Mapping[str, Any], n_rows: int) -> int:
    """Epochs a job trains: max_epochs, else the documented default (engines/stub.py, cortex-finetuning)."""
    value = options.get("max_epochs")
    return int(value) if value else default_epochs(n_rows)


def split_key(prompt: str, completion: str) -> str:
    return hashlib.md5(f"{prompt}{SPLIT_SEPARATOR}{completion}".encode(), usedforsecurity=False).hexdigest()


def held_out_count(n_rows: int) -> int:
    return n_rows * VALIDATION_PERCENT // 100


def auto_split(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """(training, validation) for a job without a validation query (see the module docstring)."""
    held = held_out_count(len(rows))
    order = sorted(range(len(rows)), key=lambda i: (split_key(*rows[i]), i))
    out = set(order[:held])
    return [r for i, r in enumerate(rows) if i not in out], [rows[i] for i in order[:held]]


def truncated(count: int, share: int) -> int:
    """Tokens left of a column after truncation to its share of the context window."""
    return min(count, share)


def row_tokens(engine: Counter, spec: BaseModel, prompt: str, completion: str) -> int:
    return truncated(engine.count_tokens(spec.name, prompt), spec.prompt_tokens) + truncated(
        engine.count_tokens(spec.name, completion), spec.completion_tokens
    )


def input_tokens(engine: Counter, spec: BaseModel, rows: Sequence[Row]) -> int:
    """Billed input tokens of one epoch over `rows` (each distinct pair is counted once)."""
    counts: dict[Row, int] = {}
    total = 0
    for row in rows:
        if row not in counts:
            counts[row] = row_tokens(engine, spec, *row)
        total += counts[row]
    return total


def trained_tokens(engine: Counter, spec: BaseModel, rows: Sequence[Row], epochs: int) -> int:
    """What FINETUNE('DESCRIBE') reports and the usage view sums: input tokens x epochs."""
    return input_tokens(engine, spec, rows) * epochs
