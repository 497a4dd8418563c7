"""Bringing existing objects under management with dynamic resources.

`pulumi import` cannot serve dynamic resources: the engine imports by calling the provider's Read
without program inputs, and a dynamic provider only exists as the pickled `__provider` input
(pulumi/pulumi#16175); here it also needs the Python language host. What a user does instead is to
declare the objects with `adopt: true` and run `up`: the providers adopt what already exists (a model of
that name and its job are adopted, never retrained; grants that already hold are recorded, not re-sent as
new); without the declaration an object no stack's record names is refused, and `destroy` releases
what was adopted instead of dropping it (resources/ownership.py).
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
    # the stack deploys as its deployer role (scripts/up-local.sh): the admin hands it what it is to adopt
    for kind, name in (("VIEW", f"{FQ}.SUPPORT_TRAIN"), ("VIEW", f"{FQ}.SUPPORT_VALIDATION"),
                       ("MODEL", f"{FQ}.SUPPORT_EXTRACTOR")):
        cur.execute(f"GRANT OWNERSHIP ON {kind} {name} TO ROLE CORTEX_DEPLOYER")
    return job


def test_pulumi_import_of_a_dynamic_resource_is_refused_and_changes_nothing(
        setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    project.stack("local")  # the stack exists, empty
    before = len(emu.query_log("LOCAL"))
    out = project.pulumi("import", "pulumi-python:dynamic/cortex:CortexUserGrant", "cortex-user-ml-engineer",
                         "ML_ENGINEER", "--yes", "--generate-code=false", "--stack", "local", check=False)
    assert out.returncode != 0
    assert project.resource_names() == set()
    assert len(emu.query_log("LOCAL")) == before


def test_what_exists_is_adopted_only_when_declared_and_the_plan_says_adopt(
        setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    job = _by_hand(emu)
    before = len(emu.query_log("LOCAL"))
    refused = project.run("up")  # declared without `adopt: true`: the hand-made views are not taken silently
    assert not refused.ok
    assert "declare `adopt: true`" in refused.stdout + refused.stderr
    sql = [str(e["statement"]) for e in emu.query_log("LOCAL")[before:]]
    assert not any("FINETUNE('CREATE'" in s or s.upper().startswith("CREATE OR REPLACE VIEW") for s in sql)

    spec = project.spec()
    for entry in (*spec["training_views"], *spec["models"]):
        entry["adopt"] = True  # what `python -m cortex_provider.export` writes
    project.set_spec(spec)
    preview = project.run("preview")
    assert preview.ok, preview.stdout[-3000:]
    plan = preview.step("model-support-extractor").new_inputs["training_plan"]
    assert plan["action"] == "adopt" and plan["estimated_trained_tokens"] == 0  # what `up` will do
    before = len(emu.query_log("LOCAL"))
    result = project.run("up")
    assert result.ok, result.stdout[-3000:]
    sql = [str(e["statement"]) for e in emu.query_log("LOCAL")[before:]]
    assert not any("FINETUNE('CREATE'" in s for s in sql)  # adopted, never paid twice
    assert result.outputs["model:SUPPORT_EXTRACTOR"]["job_id"] == job
    assert "adopting the existing model" in result.stdout
    again = project.run("up")
    assert set(again.summary) == {"same"}


def test_destroy_releases_what_it_adopted(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    spec = project.spec()
    spec["models"][0]["retain_on_delete"] = False  # even so: an adopted model is released, never dropped
    project.set_spec(spec)
    assert project.run("up").ok
    result = project.run("destroy")
    assert result.ok, result.stdout[-3000:]
    cur = emu.connect(account="LOCAL").cursor()
    cur.execute(f"SHOW MODELS IN SCHEMA {FQ}")
    assert [r[1] for r in cur.fetchall()] == ["SUPPORT_EXTRACTOR"]
    cur.execute(f"SHOW VIEWS IN SCHEMA {FQ}")
    assert sorted(r[1] for r in cur.fetchall()) == ["SUPPORT_TRAIN", "SUPPORT_VALIDATION"]
    assert "released, not dropped" in result.stdout
