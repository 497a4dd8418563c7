"""Issue 11: bringing existing objects under management with dynamic resources.

`pulumi import` cannot serve dynamic resources: the engine imports by calling the provider's Read
without program inputs, and a dynamic provider only exists as the pickled `__provider` input
(pulumi/pulumi#16175); here it also needs the Python language host. What a user does instead is to
declare the objects and run `up`: every provider adopts what already exists (a model of that name and
its job are adopted, never retrained; grants that already hold are recorded, not re-sent as new).
The plugin (`pulumi-resource-cortex`) offers `pulumi import` proper (tests/e2e/test_plugin.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import seed_demo

FQ = "CORTEX_DEMO.MODELS"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject]]:
    root = tmp_path_factory.mktemp("adopt")
    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port)
        yield emu, EngineProject(root / "project", emu.port)
    finally:
        emu.stop()


def _by_hand(emu: Emulator) -> str:
    """The local stack's model, view and grants made with SQL, as a team did before adopting IaC."""
    conn = emu.connect(account="LOCAL")
    cur = conn.cursor()
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {FQ}")
    cur.execute("GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE ML_ENGINEER")
    for view, where in (("SUPPORT_TRAIN", "<>"), ("SUPPORT_VALIDATION", "=")):
        cur.execute(f"CREATE VIEW {FQ}.{view} AS SELECT 'Extract the condition from: ' || NOTE AS prompt, "
                    f"LABEL_JSON AS completion FROM CORTEX_DEMO.RAW.SUPPORT_NOTES WHERE ID % 10 {where} 0")
    cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR', 'llama3.1-8b', "
                f"'SELECT prompt, completion FROM {FQ}.SUPPORT_TRAIN', "
                f"'SELECT prompt, completion FROM {FQ}.SUPPORT_VALIDATION', '{{\"max_epochs\": 1}}')")
    job = str(cur.fetchone()[0])
    for _ in range(300):
        cur.execute(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job}')")
        if json.loads(cur.fetchone()[0])["status"] == "SUCCESS":
            break
        time.sleep(0.1)
    return job


def test_pulumi_import_of_a_dynamic_resource_is_refused_and_changes_nothing(
        setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    project.stack("local")  # the stack exists, empty
    before = len(emu.query_log("LOCAL"))
    out = project.pulumi("import", "pulumi-python:dynamic:Resource", "cortex-user-ml-engineer", "ML_ENGINEER",
                         "--yes", "--generate-code=false", "--stack", "local", check=False)
    assert out.returncode != 0
    assert project.resource_names() == set()
    assert len(emu.query_log("LOCAL")) == before


def test_declaring_what_exists_adopts_it_without_a_new_job(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    job = _by_hand(emu)
    before = len(emu.query_log("LOCAL"))
    result = project.run("up")
    assert result.ok, result.stdout[-3000:]
    sql = [str(e["statement"]) for e in emu.query_log("LOCAL")[before:]]
    assert not any("FINETUNE('CREATE'" in s for s in sql)  # adopted, never paid twice
    assert result.outputs["model:SUPPORT_EXTRACTOR"]["job_id"] == job
    assert "adopting the existing model" in result.stdout
    again = project.run("up")
    assert set(again.summary) == {"same"}
