"""Pre-flight: numbers from the emulator, and the judging/fallback rules with a scripted session."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources.preflight import (
    METHOD_COUNT_TOKENS,
    METHOD_ESTIMATE,
    PreflightError,
    limits_for,
    preflight,
)
from cortex_provider.sql.statement import Statement
from tests.resources.grant_support import Acct

ZERO = dict.fromkeys(
    ("ROW_COUNT", "DISTINCT_PAIRS", "TOTAL_BYTES", "PROMPT_TOKENS", "COMPLETION_TOKENS", "MAX_PROMPT_TOKENS",
     "MAX_COMPLETION_TOKENS", "ROWS_OVER_PROMPT_LIMIT", "ROWS_OVER_COMPLETION_LIMIT", "EMPTY_COMPLETIONS",
     "NULL_PROMPTS", "DUPLICATE_ROWS", "BILLED_TOKENS", "HELD_OUT_ROWS", "HELD_OUT_BILLED_TOKENS"), 0)


Q = "SELECT 'a' AS prompt, 'b' AS completion"


class Scripted:
    """A Session stand-in: answers the aggregate with `row`; fails when COUNT_TOKENS is used, if told."""

    def __init__(self, row: dict[str, Any], count_tokens: bool = True) -> None:
        self.row, self.count_tokens = row, count_tokens
        self.sent: list[str] = []

    def query_one(self, stmt: Statement) -> dict[str, Any]:
        sql = stmt.sql()
        self.sent.append(sql)
        if "COUNT_TOKENS" in sql and not self.count_tokens:
            raise SnowflakeStatementError("PREFLIGHT", "Unknown function SNOWFLAKE.CORTEX.COUNT_TOKENS", 2140)
        return self.row


def test_counts_from_the_emulator_in_one_query(acct: Acct) -> None:
    mark = acct.mark()
    query = "SELECT NOTE AS prompt, LABEL AS completion FROM DB.S.NOTES"
    report = preflight(acct.session, query, "llama3-8b", 2)
    sent = acct.since(mark)
    assert len(sent) == 1 and "DUPLICATE_ROWS" in sent[0]  # one aggregate, no rows fetched
    assert report.token_method == METHOD_COUNT_TOKENS
    counts = (report.row_count, report.distinct_pairs, report.duplicate_rows, report.empty_completions)
    assert counts == (4, 3, 1, 1)
    assert report.total_bytes == 15 + 3 + 2 * (8 + 4) + 8  # UTF-8 bytes of every prompt and completion
    assert report.estimated_trained_tokens == 2 * (report.prompt_tokens + report.completion_tokens) > 0
    assert report.prompt_limit == 6144 and report.rows_over_prompt_limit == 0 and report.errors == []


def test_falls_back_to_the_estimate_once_and_says_so() -> None:
    session = Scripted({**ZERO, "ROW_COUNT": 500, "PROMPT_TOKENS": 1000}, count_tokens=False)
    first = preflight(session, Q, "mistral-7b")  # type: ignore[arg-type]
    assert first.token_method == METHOD_ESTIMATE and len(session.sent) == 2
    second = preflight(session, Q, "mistral-7b")  # type: ignore[arg-type]
    assert second.token_method == METHOD_ESTIMATE and len(session.sent) == 3  # remembered: no retry
    assert "COUNT_TOKENS" not in session.sent[-1] and "LENGTH(p) / 4" in session.sent[-1]


def test_hard_limits_are_errors_over_long_rows_are_truncated() -> None:
    row = {**ZERO, "ROW_COUNT": 7000, "ROWS_OVER_COMPLETION_LIMIT": 7, "MAX_COMPLETION_TOKENS": 5000,
           "TOTAL_BYTES": 300 * 1024 * 1024, "BILLED_TOKENS": 90_000, "HELD_OUT_ROWS": 100,
           "HELD_OUT_BILLED_TOKENS": 9_000}
    report = preflight(Scripted(row), Q, "llama3.1-70b", 2)  # type: ignore[arg-type]
    # Snowflake truncates over-long rows: a warning, and the bill counts only the share
    assert any("7 of 7000 rows have a completion over llama3.1-70b's" in w and "truncated" in w
               for w in report.warnings)
    assert not any("7 of 7000" in e for e in report.errors)
    assert report.estimated_trained_tokens == 90_000 * 2 and report.validation_split == "query"
    # limits are rows, not bytes (the Cortex Fine-tuning page's table): llama3.1-70b allows 13.5k rows for
    # 1 epoch, 6750 for 2
    assert not any("bytes" in e for e in report.errors)
    assert any("7000 rows exceed llama3.1-70b's row limit of 6750 at 2 epochs" in e for e in report.errors)
    with pytest.raises(PreflightError, match="row limit of 6750"):
        report.raise_for_errors("TrainingView DB.S.V")
    split = preflight(Scripted(row), Q, "llama3.1-70b", 2, auto_split=True)  # type: ignore[arg-type]
    assert split.estimated_trained_tokens == (90_000 - 9_000) * 2 and split.held_out_rows == 100
    assert any("100 rows assumed held out" in w for w in split.warnings)


def test_guidance_is_warnings_only() -> None:
    row = {**ZERO, "ROW_COUNT": 50, "DUPLICATE_ROWS": 3, "EMPTY_COMPLETIONS": 2}
    report = preflight(Scripted(row), Q, "llama3.1-8b", 3)  # type: ignore[arg-type]
    assert report.errors == []
    text = " | ".join(report.warnings)
    for needle in ("only 50 examples", "3 rows duplicate", "2 rows have a NULL or empty completion",
                   ):
        assert needle in text
    empty = preflight(Scripted(ZERO), Q, "mistral-7b", 1)  # type: ignore[arg-type]
    assert empty.errors == ["the query returns no rows; FINETUNE needs at least one prompt/completion pair"]


def test_limits_table_matches_the_docs() -> None:
    assert limits_for("llama3-70b") is not None
    got = {m: (lim.prompt_tokens, lim.completion_tokens, lim.data_bytes // (1024 * 1024))
           for m in ("llama3-8b", "llama3.1-8b", "mixtral-8x7b") if (lim := limits_for(m))}
    assert got == {"llama3-8b": (6144, 2048, 1024), "llama3.1-8b": (20480, 4096, 1024),
                   "mixtral-8x7b": (28672, 4096, 250)}
    assert limits_for("gpt-4") is None
