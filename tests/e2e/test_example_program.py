"""Issue 13: `examples/python-program/` (a program on the public Python API, no cortex:spec) comes up on
the emulator through the real engine with its own `Pulumi.local.yaml` and the SNOWFLAKE_HOST/PORT/
PROTOCOL/PASSWORD variables the repo's stacks use; the endpoint answers as the app role; a rollback pin
by `pulumi config set serving V1` is a no-op while V1 serves; destroy drops the endpoint only."""

from __future__ import annotations

import runpy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from cortex_provider.engine import open_stack, run_verb
from tests.conftest import Emulator
from tests.e2e.support import ROOT

EXAMPLE = ROOT / "examples" / "python-program"


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = Emulator(tmp_path_factory.mktemp("example") / "data", engine="stub", catalogue="current")
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def test_example_program_up_answers_and_destroys(emu: Emulator, tmp_path: Path) -> None:
    conn = emu.connect(account="LOCAL")
    cur = conn.cursor()
    for stmt in ("CREATE DATABASE DB", "CREATE SCHEMA DB.S", "CREATE TABLE DB.S.NOTES (note VARCHAR, label VARCHAR)",
                 "INSERT INTO DB.S.NOTES VALUES ('cough for a week', 'bronchitis'), ('rash on arm', 'eczema'), "
                 "('sore throat', 'pharyngitis'), ('unlabelled', NULL)",
                 "CREATE ROLE SUPPORT_APP", "CREATE USER APPUSER PASSWORD = 'app-pw'",
                 "GRANT ROLE SUPPORT_APP TO USER APPUSER"):
        cur.execute(stmt)
    project = tmp_path / "python-program"
    shutil.copytree(EXAMPLE, project)
    env = {"SNOWFLAKE_HOST": emu.host, "SNOWFLAKE_PORT": str(emu.port), "SNOWFLAKE_PROTOCOL": "http",
           "SNOWFLAKE_PASSWORD": "admin", "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
           "PULUMI_CONFIG_PASSPHRASE": "example", "CORTEX_PROVIDER_POLL_INITIAL_S": "0.1",
           "CORTEX_PROVIDER_POLL_MAX_S": "0.3"}
    (tmp_path / "state").mkdir()
    stack = open_stack(project, "local", env=env,
                       program=lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__"))
    lines: list[str] = []
    up = run_verb(stack, "up", printer=lines.append)
    assert up.ok, "\n".join(lines[-60:])
    assert up.outputs["endpoint"] == "DB.S.SUPPORT" and up.outputs["serving_version"] == "V1"
    assert up.outputs["serving_model"] == "DB.S.SUPPORT_V1"
    assert {"trainer", "app-cortex-user", "support-train", "support"} <= set(up.ops())
    app = emu.connect(account="LOCAL", user="APPUSER", password="app-pw", role="SUPPORT_APP").cursor()
    answer = app.execute("SELECT DB.S.SUPPORT('cough for two days')").fetchone()[0]
    assert "DB.S.SUPPORT_V1" in answer  # the stub names the adapter it answered with

    stack.set_config("serving", auto.ConfigValue("V1"))
    pinned = run_verb(stack, "up", printer=lines.append)
    assert pinned.ok and pinned.outputs["serving_version"] == "V1", "\n".join(lines[-60:])
    assert sum("FINETUNE('CREATE'" in str(e["statement"]) for e in emu.query_log("LOCAL")) == 1

    gone = run_verb(stack, "destroy", printer=lines.append)
    assert gone.ok, "\n".join(lines[-60:])
    assert cur.execute("SHOW USER FUNCTIONS IN SCHEMA DB.S").fetchall() == []
    assert "SUPPORT_V1" in {r[1] for r in cur.execute("SHOW MODELS IN SCHEMA DB.S").fetchall()}  # retained
