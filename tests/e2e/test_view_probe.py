"""A changed TrainingView is probed read-only in `preview`, on the real Pulumi engine (stub emulator).

The plan used to be built from the old view: a new query naming a missing table, or lacking a
completion column, passed `preview` and failed only at `up`. Now `preview` fails with the message `up`
gives, and sends no DDL; the old view stays as it was. A new view is probed the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import failed_preview_then_up, views_only_project

ACCOUNT = "LOCAL"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject, dict[str, Any]]]:
    with views_only_project(tmp_path_factory.mktemp("view-probe")) as made:
        yield made


def _preview_then_up(emu: Emulator, project: EngineProject, spec: dict[str, Any]) -> tuple[str, str]:
    """(what the failing preview printed, what the failing up printed); preview sends no DDL."""
    project.set_spec(spec)
    return failed_preview_then_up(emu, project, diff=True)


def test_a_new_query_on_a_missing_table_fails_the_preview(setup: tuple[Emulator, EngineProject, dict[str, Any]]
                                                          ) -> None:
    emu, project, spec = setup
    changed = copy.deepcopy(spec)
    changed["training_views"][0]["source"] = "CORTEX_DEMO.RAW.NO_SUCH_NOTES"
    preview, up = _preview_then_up(emu, project, changed)
    assert "NO_SUCH_NOTES" in preview and "NO_SUCH_NOTES" in up


def test_a_new_query_without_a_completion_column_fails_the_preview(
        setup: tuple[Emulator, EngineProject, dict[str, Any]]) -> None:
    emu, project, spec = setup
    changed = copy.deepcopy(spec)
    changed["training_views"][0] = {"name": "SUPPORT_TRAIN",
                                     "query": "SELECT NOTE AS prompt FROM CORTEX_DEMO.RAW.SUPPORT_NOTES"}
    preview, up = _preview_then_up(emu, project, changed)
    for out in (preview, up):
        assert "without completion" in out and "Fix: alias them" in out
    project.set_spec(spec)
    back = project.run("preview")
    assert back.ok and back.changes == 0  # the old view was left as it was


def test_a_new_view_on_a_missing_table_fails_the_preview(setup: tuple[Emulator, EngineProject, dict[str, Any]]
                                                        ) -> None:
    emu, project, spec = setup
    changed = copy.deepcopy(spec)
    changed["training_views"].append({**changed["training_views"][0], "name": "EXTRA_TRAIN",
                                      "source": "CORTEX_DEMO.RAW.NO_SUCH_NOTES"})
    preview, up = _preview_then_up(emu, project, changed)
    assert "EXTRA_TRAIN" in preview and "NO_SUCH_NOTES" in preview and "NO_SUCH_NOTES" in up
    project.set_spec(spec)


def test_an_up_probes_a_changed_query_once(setup: tuple[Emulator, EngineProject, dict[str, Any]]) -> None:
    """The check's probe serves the update that follows in the same `up`: one shape probe, not two."""
    emu, project, spec = setup
    changed = copy.deepcopy(spec)
    changed["training_views"][0]["where"] = "ID >= 0"
    project.set_spec(changed)
    before = len(emu.query_log(ACCOUNT))
    up = project.run("up")
    sent = [str(e["statement"]) for e in emu.query_log(ACCOUNT)[before:]]
    assert up.ok, up.stdout[-2000:]
    probes = [s for s in sent if s.rstrip().upper().endswith("LIMIT 0") and "ID >= 0" in s]
    assert len(probes) == 1, probes
    assert [s for s in sent if s.lstrip().upper().startswith("CREATE") and "ID >= 0" in s]  # it was applied
    project.set_spec(spec)
    assert project.run("up").ok
