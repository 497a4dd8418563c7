"""SQL UDFs in the emulator: CREATE [OR REPLACE] [SECURE] FUNCTION over COMPLETE, calls inside queries,
SHOW USER FUNCTIONS, USAGE grants (COPY GRANTS keeps them), DROP FUNCTION, grants to shares."""

from __future__ import annotations

from tests.emulator.cortex_util import finetune, training_table, wait_status
from tests.emulator.helpers import dicts, fails, run, status


def _model(conn, name: str, rows: int = 3) -> str:
    src = training_table(conn, rows=rows, table=f"T_{name}")
    job = finetune(conn, "CREATE", f"DB.S.{name}", "llama3.1-8b", f"SELECT prompt, completion FROM {src}")
    wait_status(conn, job, {"SUCCESS"})
    return f"DB.S.{name}"


def _endpoint(conn, model: str, extra: str = "") -> str:
    return status(conn, f"CREATE OR REPLACE SECURE FUNCTION DB.S.EP(prompt VARCHAR) {extra} RETURNS VARCHAR "
                        f"AS 'SNOWFLAKE.CORTEX.COMPLETE(''{model}'', prompt)'")


def test_function_over_complete_is_called_and_repointed(emulator):
    conn = emulator.connect(account=emulator.new_account())
    v1, v2 = _model(conn, "M_V1"), _model(conn, "M_V2", rows=4)
    assert _endpoint(conn, v1) == "Function EP successfully created."
    out = run(conn, "SELECT DB.S.EP('Extract the condition from: x'), UPPER(DB.S.EP('it''s, (ok)'))")[0]
    assert out[0].startswith("[stub:llama3.1-8b+adapter:DB.S.M_V1] ")
    assert "ADAPTER:DB.S.M_V1" in out[1]
    # row by row over a table, with a bare name in the current schema
    run(conn, "USE SCHEMA DB.S")
    rows = run(conn, "SELECT ep(prompt) FROM T_M_V1 ORDER BY prompt")
    assert len(rows) == 3 and all(r[0].startswith("[stub:llama3.1-8b+adapter:DB.S.M_V1]") for r in rows)
    _endpoint(conn, v2)
    assert run(conn, "SELECT DB.S.EP('x')")[0][0].startswith("[stub:llama3.1-8b+adapter:DB.S.M_V2] ")
    # a literal that merely looks like a call is left alone
    assert run(conn, "SELECT 'DB.S.EP(1)'")[0][0] == "DB.S.EP(1)"


def test_show_user_functions_shape_and_drop(emulator):
    conn = emulator.connect(account=emulator.new_account())
    _endpoint(conn, _model(conn, "M_V1"))
    rows = dicts(conn, "SHOW USER FUNCTIONS LIKE 'E%' IN SCHEMA DB.S")
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["schema_name"], row["catalog_name"]) == ("EP", "S", "DB")
    assert row["arguments"] == "EP(VARCHAR) RETURN VARCHAR" and row["is_secure"] == "Y"
    assert row["language"] == "SQL" and int(row["min_num_arguments"]) == 1
    assert dicts(conn, "SHOW USER FUNCTIONS LIKE 'NOPE' IN SCHEMA DB.S") == []
    fails(conn, "CREATE SECURE FUNCTION DB.S.EP(p VARCHAR) RETURNS VARCHAR AS 'p'", 2002)
    assert "already dropped" not in status(conn, "DROP FUNCTION DB.S.EP(VARCHAR)")
    assert "already dropped" in status(conn, "DROP FUNCTION IF EXISTS DB.S.EP(VARCHAR)")
    fails(conn, "SELECT DB.S.EP('x')", 2003)  # fakesnow: no such function any more
    assert dicts(conn, "SHOW USER FUNCTIONS IN SCHEMA DB.S") == []


def test_usage_grant_and_copy_grants(emulator):
    account = emulator.new_account()
    admin = emulator.connect(account=account)
    v1, v2 = _model(admin, "M_V1"), _model(admin, "M_V2", rows=4)
    _endpoint(admin, v1)
    for stmt in ("CREATE ROLE APP", "CREATE USER APPUSER PASSWORD = 'pw' DEFAULT_ROLE = APP",
                 "GRANT ROLE APP TO USER APPUSER", "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE APP",
                 "GRANT USAGE ON DATABASE DB TO ROLE APP", "GRANT USAGE ON SCHEMA DB.S TO ROLE APP",
                 f"GRANT USAGE ON MODEL {v1} TO ROLE APP", f"GRANT USAGE ON MODEL {v2} TO ROLE APP"):
        run(admin, stmt)
    app = emulator.connect(account=account, user="APPUSER", password="pw")
    fails(app, "SELECT DB.S.EP('x')", 2141, "Unknown user-defined function DB.S.EP")
    assert dicts(app, "SHOW USER FUNCTIONS IN SCHEMA DB.S") == []
    run(admin, "GRANT USAGE ON FUNCTION DB.S.EP(VARCHAR) TO ROLE APP")
    assert "M_V1" in run(app, "SELECT DB.S.EP('x')")[0][0]
    assert [r["name"] for r in dicts(app, "SHOW USER FUNCTIONS IN SCHEMA DB.S")] == ["EP"]
    _endpoint(admin, v2, "COPY GRANTS")  # grants survive the repoint
    assert "M_V2" in run(app, "SELECT DB.S.EP('x')")[0][0]
    _endpoint(admin, v1)  # without COPY GRANTS: a new object, no grants
    fails(app, "SELECT DB.S.EP('x')", 2141)
    fails(admin, "GRANT SELECT ON FUNCTION DB.S.EP(VARCHAR) TO ROLE APP", 1003, "Invalid privilege SELECT")
    run(admin, "CREATE SHARE SH")
    run(admin, "CREATE FUNCTION DB.S.PLAIN(p VARCHAR) RETURNS VARCHAR AS 'UPPER(p)'")
    assert run(admin, "SELECT DB.S.PLAIN('abc')")[0][0] == "ABC"
    fails(admin, "GRANT USAGE ON FUNCTION DB.S.PLAIN(VARCHAR) TO SHARE SH", 1003, "Non-secure function")
    fails(admin, "GRANT USAGE ON FUNCTION DB.S.EP(VARCHAR) TO SHARE SH", 1003, "USAGE ON DATABASE DB")
    run(admin, "GRANT USAGE ON DATABASE DB TO SHARE SH")
    status(admin, "GRANT USAGE ON FUNCTION DB.S.EP(VARCHAR) TO SHARE SH")
