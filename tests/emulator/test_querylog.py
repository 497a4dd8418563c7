"""The query log: one JSON line per statement with who/what/how long/outcome; passwords masked."""

from __future__ import annotations

from cortex_local.querylog import mask_secrets, read_query_log
from tests.emulator.helpers import fails, run


def test_every_statement_is_logged(emulator):
    acct = emulator.new_account()
    conn = emulator.connect(account=acct)
    run(conn, "select 42")
    fails(conn, "select * from nowhere.s.t", 2003)
    run(conn, "create user bob password = 'TopSecret1' default_role = public")
    run(conn, "use role sysadmin")
    run(conn, "select 43")
    entries = emulator.query_log(acct)
    assert [e["statement"] for e in entries] == [
        "select 42",
        "select * from nowhere.s.t",
        "create user bob password = '****' default_role = public",
        "use role sysadmin",
        "select 43",
    ]
    first = entries[0]
    assert set(first) >= {
        "ts",
        "account",
        "user",
        "role",
        "statement",
        "duration_ms",
        "success",
        "error_code",
    }
    assert (first["account"], first["user"], first["role"], first["success"]) == (
        acct,
        "ADMIN",
        "ACCOUNTADMIN",
        True,
    )
    assert first["duration_ms"] >= 0
    assert (entries[1]["success"], entries[1]["error_code"]) == (False, "002003")
    assert entries[4]["role"] == "SYSADMIN"
    assert "TopSecret1" not in (emulator.data_dir / "query_log.jsonl").read_text()
    assert "TopSecret1" not in (emulator.data_dir / "catalog.json").read_text()
    # account filter is case-insensitive; other accounts' statements are excluded
    assert len(read_query_log(emulator.data_dir, acct.lower())) == 5


def test_mask_secrets_variants():
    assert (
        mask_secrets("CREATE USER u PASSWORD='a''b' DEFAULT_ROLE=r") == "CREATE USER u PASSWORD='****' DEFAULT_ROLE=r"
    )
    assert mask_secrets('alter user u set password = "x y"') == "alter user u set password = '****'"
