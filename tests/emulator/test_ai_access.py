"""Cortex access as Snowflake governs it in 2026, through the real driver: USE AI FUNCTION(S), the two
database roles, model RBAC with its SNOWFLAKE.PUBLIC default, and the statements that list them."""

from __future__ import annotations

from typing import Any

from tests.conftest import Emulator
from tests.emulator.helpers import dicts, fails, run

ALL = 'SNOWFLAKE."CORTEX-MODEL-ROLE-ALL"'
LLAMA = 'SNOWFLAKE."CORTEX-MODEL-ROLE-LLAMA3-8B"'
ASK = "SELECT SNOWFLAKE.CORTEX.COMPLETE('{model}', 'hi')"


def _account(emulator: Emulator) -> tuple[Any, Any]:
    """An admin connection and one as role CALLER (user CALLER), which holds AI_FUNCTIONS_USER only."""
    account = emulator.new_account()
    admin = emulator.connect(account=account)
    for stmt in ("CREATE ROLE CALLER", "CREATE USER CALLER PASSWORD = 'pw' DEFAULT_ROLE = CALLER",
                 "GRANT ROLE CALLER TO USER CALLER",
                 "GRANT DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER TO ROLE CALLER"):
        run(admin, stmt)
    return admin, emulator.connect(account=account, user="CALLER", password="pw", role="CALLER")


def test_defaults_let_every_role_call_every_model(emulator: Emulator) -> None:
    admin, caller = _account(emulator)
    assert run(caller, ASK.format(model="llama3-8b"))[0][0]
    on_public = dicts(admin, "SHOW GRANTS TO ROLE PUBLIC")
    assert any(g["privilege"] == "USE AI FUNCTIONS" and g["granted_on"] == "ACCOUNT" for g in on_public)
    app = dicts(admin, "SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC")
    assert [(g["granted_on"], g["name"]) for g in app] == [("APPLICATION_ROLE", ALL)]
    roles = [r["name"] for r in dicts(admin, "SHOW APPLICATION ROLES LIKE 'CORTEX-MODEL%' IN APPLICATION SNOWFLAKE")]
    assert "CORTEX-MODEL-ROLE-ALL" in roles and "CORTEX-MODEL-ROLE-LLAMA3-8B" in roles
    assert "LLAMA3-8B" in [m["name"] for m in dicts(caller, "SHOW MODELS IN SNOWFLAKE.MODELS")]


def test_lockdown_then_per_role_grants(emulator: Emulator) -> None:
    admin, caller = _account(emulator)
    run(admin, "REVOKE USE AI FUNCTIONS ON ACCOUNT FROM ROLE PUBLIC")
    fails(caller, ASK.format(model="llama3-8b"), 3001, "USE AI FUNCTION COMPLETE")
    run(admin, "GRANT USE AI FUNCTION COMPLETE ON ACCOUNT TO ROLE CALLER")
    assert run(caller, ASK.format(model="llama3-8b"))[0][0]
    # model RBAC: a plain REVOKE does not touch SNOWFLAKE.PUBLIC's grant; the procedure does
    fails(admin, f"REVOKE APPLICATION ROLE {ALL} FROM APPLICATION ROLE SNOWFLAKE.PUBLIC", 3001,
          "REVOKE_FROM_PUBLIC_APPLICATION_ROLE")
    out = run(admin, "CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL')")
    assert out == [("Revoked CORTEX-MODEL-ROLE-ALL",)]
    assert dicts(admin, "SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC") == []
    fails(caller, ASK.format(model="llama3-8b"), 3001, LLAMA)
    assert dicts(caller, "SHOW MODELS IN SNOWFLAKE.MODELS") == []
    run(admin, f"GRANT APPLICATION ROLE {LLAMA} TO ROLE CALLER")
    assert run(caller, ASK.format(model="llama3-8b"))[0][0]
    fails(caller, ASK.format(model="mistral-7b"), 3001, "mistral-7b")
    assert [m["name"] for m in dicts(caller, "SHOW MODELS IN SNOWFLAKE.MODELS")] == ["LLAMA3-8B"]
    assert run(admin, ASK.format(model="mistral-7b"))[0][0]  # ACCOUNTADMIN always has every model
    # restoring the defaults
    run(admin, "CALL SNOWFLAKE.LOCAL.GRANT_TO_PUBLIC_APPLICATION_ROLE('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL')")
    run(admin, "GRANT USE AI FUNCTIONS ON ACCOUNT TO ROLE PUBLIC")
    run(admin, "REVOKE USE AI FUNCTION COMPLETE ON ACCOUNT FROM ROLE CALLER")
    assert run(caller, ASK.format(model="mistral-7b"))[0][0]


def test_database_role_is_needed_and_only_admins_manage_the_function_privilege(emulator: Emulator) -> None:
    admin, caller = _account(emulator)
    run(admin, "REVOKE DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER FROM ROLE CALLER")
    fails(caller, ASK.format(model="llama3-8b"), 3001, "SNOWFLAKE.AI_FUNCTIONS_USER")
    fails(caller, "REVOKE USE AI FUNCTIONS ON ACCOUNT FROM ROLE PUBLIC", 3001, "ACCOUNTADMIN")
    fails(caller, "CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL')",
          3001, "SNOWFLAKE_PUBLIC_GRANT_ADMIN")
    # delegation: WITH GRANT OPTION and the grant-admin application role
    run(admin, "GRANT USE AI FUNCTIONS ON ACCOUNT TO ROLE CALLER WITH GRANT OPTION")
    run(admin, "GRANT APPLICATION ROLE SNOWFLAKE.SNOWFLAKE_PUBLIC_GRANT_ADMIN TO ROLE CALLER")
    run(caller, "REVOKE USE AI FUNCTIONS ON ACCOUNT FROM ROLE PUBLIC")
    run(caller, "CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL')")
    fails(caller, "CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE('PRIVILEGE', 'NOPE')", 1003,
          "administrator-revocable")
