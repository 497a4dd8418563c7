"""ModelShare `functions`: a release endpoint (secure function) granted to the share, read back from SHOW
GRANTS TO SHARE (drift shows and is repaired), revoked when dropped from the spec; the consumer calls it
through its mounted database. Against the multi-account emulator, through the real driver."""

from __future__ import annotations

from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources.share import ShareCore, ShareSpec, function_name
from tests.resources.test_share_support import ORG, seed, session_for, sql, train

CORE = ShareCore()
EP = ("CREATE OR REPLACE SECURE FUNCTION DB.S.{name}(prompt VARCHAR) COPY GRANTS RETURNS VARCHAR "
      "AS 'SNOWFLAKE.CORTEX.COMPLETE(''DB.S.M1'', prompt)'")


def spec(**kw: Any) -> ShareSpec:
    props = {"name": "FN_SHARE", "database": "DB", "schema": "S", "models": [], "functions": ["DB.S.EP"],
             "consumer_accounts": []}
    return CORE.parse({**props, **kw})


@pytest.fixture(scope="module")
def world(emulator: Any) -> dict[str, Any]:
    provider, consumer = emulator.new_account(), emulator.new_account()
    conn = emulator.connect(account=provider)
    seed(conn)
    train(conn, "M1")
    sql(conn, EP.format(name="EP"))
    sql(conn, EP.format(name="EP2"))
    admin = emulator.connect(account=consumer)
    for text in ("CREATE ROLE APP", "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE APP",
                 "CREATE USER APPUSER PASSWORD = 'pw-a'", "GRANT ROLE APP TO USER APPUSER"):
        sql(admin, text)
    return {"provider": provider, "consumer": consumer, "conn": conn, "admin": admin}


def granted_functions(conn: Any, share: str) -> list[str]:
    return sorted(g["name"] for g in sql(conn, f"SHOW GRANTS TO SHARE {share}") if g["granted_on"] == "FUNCTION")


def test_check_normalises_functions_and_names_the_bad_one() -> None:
    checked = CORE.check({}, {"name": "s", "database": "db", "schema": "s", "functions": ["db.s.ep", "EP2", "ep"]})
    assert checked.failures == [] and checked.inputs["functions"] == ["EP", "EP2"]
    bad = CORE.check({}, {"name": "s", "database": "db", "schema": "s", "functions": ["OTHER.X.EP"]})
    assert any("functions[0]" in f.reason and "one schema" in f.reason for f in bad.failures)


def test_function_name_drops_snowflakes_signature() -> None:
    assert function_name('DB.S."EP(PROMPT VARCHAR):VARCHAR(16777216)"') == "DB.S.EP"
    assert function_name("DB.S.EP") == "DB.S.EP"
    assert function_name('DB.S."my ep(P VARCHAR):VARCHAR"') == 'DB.S."my ep"'


def test_endpoint_is_shared_called_by_the_consumer_drift_repaired(emulator: Any, world: dict[str, Any]) -> None:
    session = session_for(emulator, world["provider"])
    s = spec(consumer_accounts=[f"{ORG}.{world['consumer']}"])
    applied = CORE.create(session, s)
    out = applied.outputs
    assert out["functions"] == ["EP"] and out["models"] == []
    assert granted_functions(world["conn"], "FN_SHARE") == ["DB.S.EP"]
    admin = world["admin"]
    sql(admin, f"CREATE DATABASE FN_MNT FROM SHARE {out['share_ref']}")
    sql(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE FN_MNT TO ROLE APP")
    app = emulator.connect(account=world["consumer"], user="APPUSER", password="pw-a", role="APP")
    answer = sql(app, "SELECT FN_MNT.S.EP('Extract from: hi') AS A")[0]["a"]
    assert answer.startswith("[stub:llama3-8b+adapter:DB.S.M1] ")
    with pytest.raises(ProgrammingError, match="Unknown user-defined function"):
        sql(app, "SELECT FN_MNT.S.EP2('x')")  # not in the share
    live = CORE.read(session, applied.id, out)
    assert live is not None and live.outputs == out
    # revoked by hand: read shows it, the diff names `functions`, update grants it again
    sql(world["conn"], "REVOKE USAGE ON FUNCTION DB.S.EP(VARCHAR) FROM SHARE FN_SHARE")
    live = CORE.read(session, applied.id, out)
    assert live is not None and live.outputs["functions"] == []
    assert CORE.diff(applied.id, live.outputs, s.model_dump(mode="json")).changed == ["functions"]
    out = CORE.update(session, applied.id, live.outputs, s)
    assert sql(app, "SELECT FN_MNT.S.EP('x') AS A")[0]["a"].startswith("[stub:")
    # the spec swaps EP for EP2: EP is revoked, EP2 granted, in place
    s2 = spec(consumer_accounts=[f"{ORG}.{world['consumer']}"], functions=["EP2"])
    out = CORE.update(session, applied.id, out, s2)
    assert out["functions"] == ["EP2"] and granted_functions(world["conn"], "FN_SHARE") == ["DB.S.EP2"]
    with pytest.raises(ProgrammingError, match="Unknown user-defined function"):
        sql(app, "SELECT FN_MNT.S.EP('x')")
    assert sql(app, "SELECT FN_MNT.S.EP2('x') AS A")[0]["a"].startswith("[stub:")
    again = CORE.read(session, applied.id, out)
    assert again is not None and again.outputs == out


def test_a_non_secure_function_is_refused_by_snowflake(emulator: Any, world: dict[str, Any]) -> None:
    sql(world["conn"], "CREATE OR REPLACE FUNCTION DB.S.PLAIN(p VARCHAR) RETURNS VARCHAR AS 'UPPER(p)'")
    session = session_for(emulator, world["provider"])
    with pytest.raises(SnowflakeStatementError, match=r"Non-secure function DB\.S\.PLAIN"):
        CORE.create(session, spec(name="FN_SHARE_PLAIN", functions=["PLAIN"]))
