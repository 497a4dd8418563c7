"""COMPLETE and COUNT_TOKENS: anywhere in an expression, base vs fine-tuned models, errors."""

from __future__ import annotations

import json
import math

from tests.emulator.cortex_util import complete, finetune, training_table, wait_status
from tests.emulator.helpers import fails, run


def test_complete_base_vs_fine_tuned(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn)
    wait_status(
        conn,
        finetune(conn, "CREATE", "DB.S.FT", "mistral-7b", f"SELECT prompt, completion FROM {src}"),
        {"SUCCESS"},
    )
    base = complete(conn, "mistral-7b", "Extract the condition from: x")
    tuned = complete(conn, "DB.S.FT", "Extract the condition from: x")
    assert base.startswith("[stub:mistral-7b] ")
    assert tuned.startswith("[stub:mistral-7b+adapter:DB.S.FT] ")
    assert complete(conn, "DB.S.FT", "Extract the condition from: x") == tuned  # deterministic
    run(conn, "USE SCHEMA DB.S")
    assert complete(conn, "ft", "Extract the condition from: x") == tuned  # bare name, current schema
    # row by row over a table, inside a larger expression
    rows = run(
        conn, f"SELECT prompt, UPPER(SNOWFLAKE.CORTEX.COMPLETE('ft', prompt)) FROM {src} ORDER BY prompt"
    )
    assert len(rows) == 3 and all("ADAPTER:DB.S.FT" in r[1] and r[0].upper().split()[0] in r[1] for r in rows)


def test_count_tokens_over_a_view(emulator):
    conn = emulator.connect(account=emulator.new_account())
    src = training_table(conn, rows=5)
    run(conn, f"CREATE VIEW DB.S.V AS SELECT prompt FROM {src}")
    total = run(conn, "SELECT SUM(SNOWFLAKE.CORTEX.COUNT_TOKENS('mistral-7b', prompt)) FROM DB.S.V")[0][0]
    expected = sum(math.ceil(len(p) / 4) for (p,) in run(conn, f"SELECT prompt FROM {src}"))
    assert int(total) == expected
    assert run(conn, "SELECT SNOWFLAKE.CORTEX.COUNT_TOKENS('llama3.1-70b', 'abcdefghi')")[0][0] == 3


def test_complete_with_options_returns_cortex_json(emulator):
    conn = emulator.connect(account=emulator.new_account())
    out = run(
        conn,
        "SELECT SNOWFLAKE.CORTEX.COMPLETE('llama3.1-8b', [{'role': 'user', 'content': 'hello'}], "
        "{'max_tokens': 50})",
    )[0][0]
    body = json.loads(out)
    assert set(body) == {"choices", "created", "model", "usage"}
    assert body["choices"][0]["messages"].startswith("[stub:llama3.1-8b]")
    assert (
        body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )


def test_unknown_model_and_missing_cortex_user(emulator):
    account = emulator.new_account()
    conn = emulator.connect(account=account)
    fails(
        conn,
        "SELECT SNOWFLAKE.CORTEX.COMPLETE('no-such-model', 'x')",
        100351,
        'unknown model \\"no-such-model\\"',
    )
    run(conn, "CREATE ROLE PLAIN")
    run(conn, "GRANT ROLE PLAIN TO USER ADMIN")
    run(conn, "USE ROLE PLAIN")
    fails(conn, "SELECT SNOWFLAKE.CORTEX.COMPLETE('mistral-7b', 'x')", 3001, "SNOWFLAKE.CORTEX_USER")
