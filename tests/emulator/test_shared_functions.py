"""A release endpoint (a SECURE SQL function over COMPLETE) granted to a share: SHOW GRANTS TO SHARE lists
it, a consumer role with IMPORTED PRIVILEGES calls it through the mounted database and follows a
promotion without the versions being shared, and Snowflake's errors for what is not granted and for a
revoked share (003030)."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import dicts, fails, run, status
from tests.emulator.test_functions import _endpoint, _model

UNAVAILABLE = "Shared database is no longer available for use"


def _world(emulator: Any) -> tuple[str, Any, Any, Any]:
    """Provider P: DB.S.M_V1/M_V2, endpoint DB.S.EP on V1 and a plain DB.S.PLAIN, share SH (database,
    schema, EP) to consumer C, which mounts it as MNT; C's role APP has CORTEX_USER but no
    IMPORTED PRIVILEGES yet. Returns (provider, prov, admin, app)."""
    provider = emulator.new_account()
    prov = emulator.connect(account=provider)
    run(prov, "CREATE DATABASE DB")
    run(prov, "CREATE SCHEMA DB.S")
    v1 = _model(prov, "M_V1")
    _model(prov, "M_V2", rows=4)
    _endpoint(prov, v1)
    run(prov, "CREATE FUNCTION DB.S.PLAIN(p VARCHAR) RETURNS VARCHAR AS 'UPPER(p)'")
    run(prov, "CREATE SECURE FUNCTION DB.S.HIDDEN(p VARCHAR) RETURNS VARCHAR AS 'LOWER(p)'")
    consumer = emulator.new_account()
    for sql in ("CREATE SHARE SH", "GRANT USAGE ON DATABASE DB TO SHARE SH",
                "GRANT USAGE ON SCHEMA DB.S TO SHARE SH", "GRANT USAGE ON FUNCTION DB.S.EP(VARCHAR) TO SHARE SH",
                f"ALTER SHARE SH ADD ACCOUNTS = LOCALORG.{consumer}"):
        run(prov, sql)
    admin = emulator.connect(account=consumer)
    for sql in (f"CREATE DATABASE MNT FROM SHARE LOCALORG.{provider}.SH", "CREATE ROLE APP",
                "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE APP",
                "CREATE USER APPUSER PASSWORD = 'pw-a'", "GRANT ROLE APP TO USER APPUSER"):
        run(admin, sql)
    app = emulator.connect(account=consumer, user="APPUSER", password="pw-a", role="APP")
    return provider, prov, admin, app


def test_function_grants_are_listed_and_cleared_with_the_database(emulator: Any) -> None:
    _, prov, _, _ = _world(emulator)
    grants = {(g["privilege"], g["granted_on"], g["name"]) for g in dicts(prov, "SHOW GRANTS TO SHARE SH")}
    assert ("USAGE", "FUNCTION", "DB.S.EP") in grants
    fails(prov, "GRANT USAGE ON FUNCTION DB.S.PLAIN(VARCHAR) TO SHARE SH", 1003, "Non-secure function")
    run(prov, "REVOKE USAGE ON FUNCTION DB.S.EP(VARCHAR) FROM SHARE SH")
    assert "FUNCTION" not in {g["granted_on"] for g in dicts(prov, "SHOW GRANTS TO SHARE SH")}
    run(prov, "GRANT USAGE ON FUNCTION DB.S.EP(VARCHAR) TO SHARE SH")
    run(prov, "REVOKE USAGE ON DATABASE DB FROM SHARE SH")  # everything under it goes too
    assert dicts(prov, "SHOW GRANTS TO SHARE SH") == []
    fails(prov, "GRANT USAGE ON FUNCTION DB.S.EP(VARCHAR) TO SHARE SH", 1003, "USAGE ON DATABASE DB")


def test_consumer_role_calls_the_mounted_endpoint_and_follows_a_promotion(emulator: Any) -> None:
    _, prov, admin, app = _world(emulator)
    fails(app, "SELECT MNT.S.EP('x')", 2141, "Unknown user-defined function MNT.S.EP")  # no IMPORTED PRIVILEGES
    run(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE MNT TO ROLE APP")
    assert run(app, "SELECT MNT.S.EP('x')")[0][0].startswith("[stub:llama3.1-8b+adapter:DB.S.M_V1] ")
    # the consumer holds none of the versions: they are not in the share
    assert dicts(admin, "SHOW MODELS IN DATABASE MNT") == []
    fails(app, "SELECT SNOWFLAKE.CORTEX.COMPLETE('MNT.S.M_V1', 'x')", 100351, "unknown model")
    # nor may it forge the provider's model name
    fails(app, "SELECT SNOWFLAKE.CORTEX.COMPLETE('DB.S.M_V1', 'x')", 100351, "unknown model")
    # row by row, with the current schema in the mounted database
    run(app, "USE SCHEMA MNT.S")
    assert run(app, "SELECT UPPER(EP('x'))")[0][0].startswith("[STUB:LLAMA3.1-8B+ADAPTER:DB.S.M_V1] ")
    # the provider promotes V2 (CREATE OR REPLACE ... COPY GRANTS keeps the share's grant)
    _endpoint(prov, "DB.S.M_V2", "COPY GRANTS")
    assert run(app, "SELECT MNT.S.EP('x')")[0][0].startswith("[stub:llama3.1-8b+adapter:DB.S.M_V2] ")
    # what the share does not grant is unknown in the consumer
    fails(app, "SELECT MNT.S.HIDDEN('x')", 2141, "Unknown user-defined function MNT.S.HIDDEN")
    fails(app, "SELECT MNT.S.PLAIN('x')", 2141)
    # replacing without COPY GRANTS makes a new function: the share no longer grants it
    _endpoint(prov, "DB.S.M_V2")
    fails(app, "SELECT MNT.S.EP('x')", 2141)
    assert "FUNCTION" not in {g["granted_on"] for g in dicts(prov, "SHOW GRANTS TO SHARE SH")}


def test_revoking_the_share_fails_the_call_with_003030(emulator: Any) -> None:
    provider, prov, admin, app = _world(emulator)
    run(admin, "GRANT IMPORTED PRIVILEGES ON DATABASE MNT TO ROLE APP")
    assert "M_V1" in run(app, "SELECT MNT.S.EP('x')")[0][0]
    consumer = status(admin, "SELECT CURRENT_ACCOUNT_NAME()")
    run(prov, f"ALTER SHARE SH REMOVE ACCOUNTS = LOCALORG.{consumer}")
    fails(app, "SELECT MNT.S.EP('x')", 3030, UNAVAILABLE)
    run(prov, f"ALTER SHARE SH ADD ACCOUNTS = LOCALORG.{consumer}")  # the mount must be re-created
    fails(app, "SELECT MNT.S.EP('x')", 3030, UNAVAILABLE)
    assert provider  # the provider's own call still answers
    assert "M_V1" in run(prov, "SELECT DB.S.EP('x')")[0][0]
