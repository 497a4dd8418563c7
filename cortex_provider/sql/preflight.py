"""Pre-flight and fingerprint queries over a training query, computed entirely in SQL.

Both return one row and fetch no training rows. The pre-flight groups by (prompt, completion)
first, so each distinct pair is tokenized once and duplicates fall out as `n - 1` per pair.
The fingerprint is order-independent: BITXOR_AGG and SUM(MOD(., p)) of HASH(prompt, completion)
plus a row count (the SUM catches duplicated pairs, which cancel out under XOR; the MOD keeps it an
exact integer on every backend). Its values are only comparable
within one backend (Snowflake's HASH differs from DuckDB's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import literals
from cortex_provider.sql.finetune import check_base_model
from cortex_provider.sql.statement import Statement, UserQuery, embed

# FINETUNE without a validation query splits the training data automatically
# (https://docs.snowflake.com/en/sql-reference/functions/finetune-create); the ratio is undocumented.
# The plan assumes the emulator's documented rule (cortex_local/cortex/billing.py): floor(rows * 10%)
# held out, the first rows by MD5(prompt || '|' || completion), not billed.
VALIDATION_PERCENT = 10
HASH_MOD = 1_000_000_007
HASH_RANGE = 2**62  # keeps every HASH value (and their XOR) inside a signed 64-bit integer
PREFLIGHT_COLUMNS = (
    "ROW_COUNT",
    "DISTINCT_PAIRS",
    "TOTAL_BYTES",
    "PROMPT_TOKENS",
    "COMPLETION_TOKENS",
    "MAX_PROMPT_TOKENS",
    "MAX_COMPLETION_TOKENS",
    "ROWS_OVER_PROMPT_LIMIT",
    "ROWS_OVER_COMPLETION_LIMIT",
    "EMPTY_COMPLETIONS",
    "NULL_PROMPTS",
    "DUPLICATE_ROWS",
    "BILLED_TOKENS",
    "HELD_OUT_ROWS",
    "HELD_OUT_BILLED_TOKENS",
)


def _positive(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(field, f"{value!r} is not a positive integer", "give a token count > 0")


@dataclass(frozen=True)
class PreflightQuery(Statement):
    """One aggregate row describing the training data (see PREFLIGHT_COLUMNS).

    count_tokens=True uses SNOWFLAKE.CORTEX.COUNT_TOKENS(base_model, text) (exact, billed);
    False estimates CEIL(LENGTH(text) / 4), Snowflake's documented ~4 characters per token.
    TOTAL_BYTES (BIT_LENGTH / 8) is the UTF-8 size of prompt + completion (what the data limit counts).
    BILLED_TOKENS: per row LEAST(prompt tokens, prompt share) + LEAST(completion tokens, completion
    share), summed: the input tokens of one epoch after truncation to the model's context split.
    HELD_OUT_ROWS / HELD_OUT_BILLED_TOKENS: the rows (and their billed tokens) an automatic validation
    split would hold out (VALIDATION_PERCENT, first rows by MD5(prompt || '|' || completion)).
    """

    kind: ClassVar[str] = "PREFLIGHT"
    query: UserQuery
    base_model: str
    prompt_limit: int
    completion_limit: int
    count_tokens: bool = False

    def __post_init__(self) -> None:
        check_base_model(self.base_model)
        _positive(self.prompt_limit, "prompt_limit")
        _positive(self.completion_limit, "completion_limit")

    def _tokens(self, col: str) -> str:
        if self.count_tokens:
            model = literals.string(self.base_model, "base_model")
            return f"COALESCE(SNOWFLAKE.CORTEX.COUNT_TOKENS({model}, {col}), 0)"
        return f"COALESCE(CEIL(LENGTH({col}) / 4), 0)"

    def sql(self) -> str:
        pairs = (
            "SELECT src.prompt AS p, src.completion AS c, COUNT(*) AS n "
            f"FROM {embed(self.query)} AS src GROUP BY src.prompt, src.completion"
        )
        measured = (
            "SELECT n, p, c, "
            f"{self._tokens('p')} AS pt, {self._tokens('c')} AS ct, "
            "(COALESCE(BIT_LENGTH(p), 0) + COALESCE(BIT_LENGTH(c), 0)) / 8 AS nb, "
            "MD5(COALESCE(p, '') || '|' || COALESCE(c, '')) AS k "
            f"FROM ({pairs}) AS pairs"
        )
        # rows before each pair in MD5 order, and the hold-out size, for the automatic split
        ordered = (
            "SELECT measured.*, "
            "SUM(n) OVER (ORDER BY k, p, c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - n AS before_n, "
            f"FLOOR(SUM(n) OVER () * {VALIDATION_PERCENT} / 100) AS hold "
            f"FROM ({measured}) AS measured"
        )
        split = (
            "SELECT ordered.*, "
            f"LEAST(pt, {self.prompt_limit}) + LEAST(ct, {self.completion_limit}) AS bt, "
            "GREATEST(0, LEAST(n, hold - before_n)) AS held "
            f"FROM ({ordered}) AS ordered"
        )
        return (
            "SELECT "
            "COALESCE(SUM(n), 0) AS ROW_COUNT, "
            "COUNT(*) AS DISTINCT_PAIRS, "
            "COALESCE(SUM(n * nb), 0) AS TOTAL_BYTES, "
            "COALESCE(SUM(n * pt), 0) AS PROMPT_TOKENS, "
            "COALESCE(SUM(n * ct), 0) AS COMPLETION_TOKENS, "
            "COALESCE(MAX(pt), 0) AS MAX_PROMPT_TOKENS, "
            "COALESCE(MAX(ct), 0) AS MAX_COMPLETION_TOKENS, "
            f"COALESCE(SUM(CASE WHEN pt > {self.prompt_limit} THEN n ELSE 0 END), 0) "
            "AS ROWS_OVER_PROMPT_LIMIT, "
            f"COALESCE(SUM(CASE WHEN ct > {self.completion_limit} THEN n ELSE 0 END), 0) "
            "AS ROWS_OVER_COMPLETION_LIMIT, "
            "COALESCE(SUM(CASE WHEN c IS NULL OR TRIM(c) = '' THEN n ELSE 0 END), 0) AS EMPTY_COMPLETIONS, "
            "COALESCE(SUM(CASE WHEN p IS NULL OR TRIM(p) = '' THEN n ELSE 0 END), 0) AS NULL_PROMPTS, "
            "COALESCE(SUM(n - 1), 0) AS DUPLICATE_ROWS, "
            "COALESCE(SUM(n * bt), 0) AS BILLED_TOKENS, "
            "COALESCE(SUM(held), 0) AS HELD_OUT_ROWS, "
            "COALESCE(SUM(held * bt), 0) AS HELD_OUT_BILLED_TOKENS "
            f"FROM ({split}) AS split"
        )


@dataclass(frozen=True)
class FingerprintQuery(Statement):
    """ROW_COUNT, HASH_SUM, HASH_XOR over HASH(prompt, completion): a content fingerprint."""

    kind: ClassVar[str] = "FINGERPRINT"
    query: UserQuery

    def sql(self) -> str:
        return (
            "SELECT COUNT(*) AS ROW_COUNT, "
            f"COALESCE(SUM(MOD(h, {HASH_MOD})), 0) AS HASH_SUM, "
            "COALESCE(BITXOR_AGG(h), 0) AS HASH_XOR "
            # MOD 2^62: the emulator's HASH is unsigned, and an XOR above 2^63 breaks its int64 result
            f"FROM (SELECT MOD(HASH(src.prompt, src.completion), {HASH_RANGE}) AS h FROM {embed(self.query)} AS src) "
            "AS hashed"
        )
