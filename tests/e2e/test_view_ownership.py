"""A new TrainingView's name is checked against the ownership rule in `preview`, on the real engine (stub
emulator): a view another stack's record names, or one that exists with no record and no `adopt: true`,
fails the preview with the message `up` gives, and the preview sends no DDL. With `adopt: true` the
preview passes and `up` takes the view over. (Before, only `up` refused them.)"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from cortex_provider.resources.ownership import Owner, parse_record
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import failed_preview_then_up, skip_after_failure, views_only_project

ACCOUNT = "LOCAL"
FQ = "CORTEX_DEMO.MODELS"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject, dict[str, Any]]]:
    with views_only_project(tmp_path_factory.mktemp("view-ownership")) as made:
        yield made


@pytest.fixture(autouse=True)
def _ordered(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "view-ownership")


def _preview_refused(emu: Emulator, project: EngineProject, spec: dict[str, Any], stack: str) -> str:
    """What the failing preview printed; it sent no DDL, and `up` fails with the same message."""
    data = project.load("local")
    data["config"]["cortex:spec"] = spec
    project.save(data, stack)
    text, _ = failed_preview_then_up(emu, project, stack, account=ACCOUNT)
    assert "Fix:" in text and "Traceback" not in text
    return text


def _comment(emu: Emulator, view: str) -> str | None:
    cur = emu.connect(account=ACCOUNT).cursor()
    cur.execute(f"SHOW VIEWS LIKE '{view}' IN SCHEMA {FQ}")
    cols = [d[0].lower() for d in cur.description]
    rows = cur.fetchall()
    return rows[0][cols.index("comment")] if rows else None


def test_preview_refuses_a_view_another_stack_records(setup: tuple[Emulator, EngineProject, dict[str, Any]]
                                                      ) -> None:
    emu, project, spec = setup
    name = spec["training_views"][0]["name"]
    record = _comment(emu, name)
    text = _preview_refused(emu, project, copy.deepcopy(spec), "second")
    assert "managed by stack 'local' of project 'cortex'" in text
    assert _comment(emu, name) == record


def test_preview_refuses_an_unrecorded_view_without_adopt_and_passes_with_it(
        setup: tuple[Emulator, EngineProject, dict[str, Any]]) -> None:
    emu, project, spec = setup
    cur = emu.connect(account=ACCOUNT).cursor()
    cur.execute(f"CREATE VIEW {FQ}.HAND_TRAIN AS SELECT NOTE AS prompt, LABEL_JSON AS completion "
                "FROM CORTEX_DEMO.RAW.SUPPORT_NOTES")
    cur.execute(f"GRANT OWNERSHIP ON VIEW {FQ}.HAND_TRAIN TO ROLE CORTEX_DEPLOYER")  # the stack's deployer role
    third = copy.deepcopy(spec)
    third["training_views"] = [{**third["training_views"][0], "name": "HAND_TRAIN"}]
    text = _preview_refused(emu, project, third, "third")
    assert "already exists and no stack's record names it" in text and "adopt: true" in text
    assert _comment(emu, "HAND_TRAIN") in (None, "")

    third["training_views"][0]["adopt"] = True
    data = project.load("third")
    data["config"]["cortex:spec"] = third
    project.save(data, "third")
    preview = project.run("preview", "third")
    assert preview.ok, preview.stdout[-2000:]
    up = project.run("up", "third")
    assert up.ok, up.stdout[-2000:]
    assert parse_record(_comment(emu, "HAND_TRAIN")) == Owner("cortex", "third", "view-hand-train")
