"""The plan's estimate (pre-flight, COUNT_TOKENS pushed down) equals what the emulator bills for the job:
with over-long rows (truncated to the context split) and with and without a validation query."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from cortex_provider.resources.preflight import METHOD_COUNT_TOKENS, preflight
from tests.resources.grant_support import Acct

QUERY = "SELECT prompt, completion FROM DB.S.T"


def _data(acct: Acct) -> None:
    acct.sql("CREATE TABLE DB.S.T (prompt VARCHAR, completion VARCHAR)")
    rows = [(f"Extract the condition from: note {i} " + "z" * (i * 7 % 23), f'{{"c": {i}}}') for i in range(43)]
    rows += [("p" * (4 * 21_000), "short"), ("short", "c" * (4 * 4_200))]  # over llama3.1-8b's 20k / 4k
    cur = acct.conn.cursor()
    cur.executemany("INSERT INTO DB.S.T VALUES (%s, %s)", rows)


def _bill(acct: Acct, name: str, validation: str, epochs: int) -> dict[str, Any]:
    options = json.dumps({"max_epochs": epochs})
    (job,) = acct.sql(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.{name}', 'llama3.1-8b', "
                      f"'{QUERY}', '{validation}', '{options}')")[0]
    deadline = time.monotonic() + 60
    while True:
        info: dict[str, Any] = json.loads(acct.sql(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job}')")[0][0])
        if info["status"] in ("SUCCESS", "ERROR", "CANCELLED"):
            assert info["status"] == "SUCCESS", info
            return info
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.parametrize("validation", ["", "SELECT prompt, completion FROM DB.S.T LIMIT 5"])
def test_estimate_equals_the_bill(acct: Acct, validation: str) -> None:
    _data(acct)
    auto = not validation
    report = preflight(acct.session, QUERY, "llama3.1-8b", 2, auto_split=auto)
    assert report.token_method == METHOD_COUNT_TOKENS and report.errors == []
    assert report.rows_over_prompt_limit == 1 and report.rows_over_completion_limit == 1
    assert report.held_out_rows == (4 if auto else 0)
    untruncated = (report.prompt_tokens + report.completion_tokens) * 2
    assert report.estimated_trained_tokens < untruncated  # truncation and the split are both counted
    info = _bill(acct, "AUTO" if auto else "VALIDATED", validation.replace("'", "''"), 2)
    assert info["trained_tokens"] == report.estimated_trained_tokens
