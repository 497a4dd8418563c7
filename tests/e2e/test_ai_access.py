"""Cortex access control as of 2026 on the real Pulumi engine (stub emulator), deployed by the least-privilege
deployer role: lockdown -> per-role grants -> COMPLETE works for the granted role and fails for another ->
a grant revoked by hand -> refresh shows it -> up repairs it -> destroy gives Snowflake's defaults back and
leaves what the stack did not grant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import demo_project, skip_after_failure

MODEL_ROLE = 'SNOWFLAKE."CORTEX-MODEL-ROLE-LLAMA3.1-8B"'
MODEL_KEY = f"APPLICATION ROLE {MODEL_ROLE}"
BASE = "SELECT SNOWFLAKE.CORTEX.COMPLETE('llama3.1-8b', 'hi')"
TUNED = "SELECT SNOWFLAKE.CORTEX.COMPLETE('CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR', 'hi')"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject]]:
    with demo_project(tmp_path_factory.mktemp("ai-access")) as (emu, project):
        admin = emu.connect(account="LOCAL")
        for stmt in ("CREATE ROLE OTHER", "GRANT DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER TO ROLE OTHER",
                     "GRANT ROLE OTHER TO USER ADMIN", "GRANT ROLE ANALYST TO USER ADMIN",
                     "GRANT ROLE ML_ENGINEER TO USER ADMIN",
                     # granted before the stack: the stack finds it held and never revokes it
                     "GRANT USE AI FUNCTION COMPLETE ON ACCOUNT TO ROLE ANALYST"):
            admin.cursor().execute(stmt)
        spec = project.spec()
        spec["ai_access"] = {"lockdown": True, "roles": [
            {"role": "ML_ENGINEER", "functions": ["COMPLETE"], "base_models": ["llama3.1-8b"]}]}
        project.set_spec(spec)
        yield emu, project


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "access")


def _call(emu: Emulator, role: str, sql: str) -> str | None:
    """The answer, or None when the role may not call it (the emulator's access error, 003001)."""
    import snowflake.connector

    try:
        return str(emu.connect(account="LOCAL", role=role).cursor().execute(sql).fetchone()[0])
    except snowflake.connector.errors.ProgrammingError as exc:
        assert exc.errno == 3001, exc.msg
        return None


def _grants(emu: Emulator, sql: str) -> set[tuple[str, str]]:
    rows = emu.connect(account="LOCAL").cursor().execute(sql).fetchall()
    return {(str(r[1]), str(r[3])) for r in rows}


def _outputs(project: EngineProject, name: str) -> dict[str, Any]:
    for res in project.export()["deployment"]["resources"]:
        if res["urn"].endswith(f"::{name}"):
            return dict(res.get("outputs") or {})
    raise AssertionError(f"{name} not in state")


def test_up_locks_down_and_grants_each_role_what_it_needs(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    result = project.run("up")
    assert result.ok, result.stdout[-3000:]
    assert ("USE AI FUNCTIONS", "LOCAL") not in _grants(emu, "SHOW GRANTS TO ROLE PUBLIC")
    assert _grants(emu, "SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC") == set()
    assert _call(emu, "ML_ENGINEER", BASE)  # the granted role and model
    assert _call(emu, "ANALYST", TUNED)  # the model's usage role: derived COMPLETE + AI_FUNCTIONS_USER
    assert _call(emu, "ANALYST", BASE) is None  # no base model granted to it
    assert _call(emu, "OTHER", BASE) is None  # PUBLIC no longer has USE AI FUNCTIONS
    assert _outputs(project, "ai-lockdown")["revoked_defaults"] == [
        "USE AI FUNCTIONS TO ROLE PUBLIC", "CORTEX-MODEL-ROLE-ALL TO APPLICATION ROLE SNOWFLAKE.PUBLIC"]
    analyst = _outputs(project, "ai-access-analyst")
    assert "USE AI FUNCTION COMPLETE" not in analyst["managed_grants"]  # held before: not taken over


def test_refresh_notices_a_hand_revoke_and_up_repairs_it(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    admin = emu.connect(account="LOCAL").cursor()
    admin.execute(f"REVOKE APPLICATION ROLE {MODEL_ROLE} FROM ROLE ML_ENGINEER")
    admin.execute("GRANT USE AI FUNCTIONS ON ACCOUNT TO ROLE PUBLIC")  # a default given back by hand
    assert _call(emu, "ML_ENGINEER", BASE) is None
    assert project.run("refresh").ok
    assert _outputs(project, "ai-access-ml-engineer")["missing_grants"] == [MODEL_KEY]
    assert _outputs(project, "ai-lockdown")["restored_defaults"] == ["USE AI FUNCTIONS TO ROLE PUBLIC"]
    result = project.run("up")
    assert result.ok, result.stdout[-3000:]
    assert _call(emu, "ML_ENGINEER", BASE)
    assert _call(emu, "OTHER", BASE) is None
    assert _outputs(project, "ai-access-ml-engineer")["missing_grants"] == []


def test_destroy_restores_the_defaults_and_keeps_what_it_did_not_grant(setup: tuple[Emulator, EngineProject]
                                                                       ) -> None:
    emu, project = setup
    result = project.run("destroy")
    assert result.ok, result.stdout[-3000:]
    assert ("USE AI FUNCTIONS", "LOCAL") in _grants(emu, "SHOW GRANTS TO ROLE PUBLIC")
    everyone = _grants(emu, "SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC")
    assert everyone == {("USAGE", 'SNOWFLAKE."CORTEX-MODEL-ROLE-ALL"')}
    assert _call(emu, "OTHER", BASE)
    assert ("USAGE", MODEL_ROLE) not in _grants(emu, "SHOW GRANTS TO ROLE ML_ENGINEER")
    assert ("USE AI FUNCTION COMPLETE", "LOCAL") in _grants(emu, "SHOW GRANTS TO ROLE ANALYST")


def test_a_production_stack_deploying_as_accountadmin_is_warned_or_refused(setup: tuple[Emulator, EngineProject]
                                                                            ) -> None:
    _emu, project = setup
    data = project.load("local")
    data["config"]["cortex:role"] = "ACCOUNTADMIN"
    project.save(data, "prod-ai")  # `prod*`: a production stack by default
    warned = project.run("preview", "prod-ai")
    assert warned.ok, warned.stdout[-3000:]
    assert "deploys as ACCOUNTADMIN" in warned.stdout + warned.stderr
    data["config"]["cortex:accountadmin"] = "mandatory"
    project.save(data, "prod-ai")
    refused = project.run("preview", "prod-ai")
    assert not refused.ok
    assert "deploys as ACCOUNTADMIN" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
