"""A model created with `wait: none` gets its ownership record, on the real engine (stub emulator).

The model does not exist when create returns, so create cannot write the record; it used to be written
only when create saw the job succeed, so such a model stayed unrecorded for good (another stack could
take it over with `adopt: true`). Now refresh reads the job's success (and writes nothing), and the
next `up` writes the record as an in-place update; the `up` after that is a no-op
(resources/finetune/owner.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cortex_provider.resources.ownership import Owner, parse_record
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import demo_project, skip_after_failure

ACCOUNT = "LOCAL"
FQ = "CORTEX_DEMO.MODELS"
MINE = Owner("cortex", "local", "model-support-extractor")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject]]:
    with demo_project(tmp_path_factory.mktemp("late-record")) as (emu, project):
        spec = project.spec()
        spec["models"][0]["wait"] = "none"
        spec["models"][0].pop("usage_roles", None)  # a grant on the model needs it to exist
        project.set_spec(spec)
        yield emu, project


@pytest.fixture(autouse=True)
def _ordered(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "late-record")


def _model_comment(emu: Emulator) -> tuple[bool, str | None]:
    cur = emu.connect(account=ACCOUNT).cursor()
    cur.execute(f"SHOW MODELS LIKE 'SUPPORT_EXTRACTOR' IN SCHEMA {FQ}")
    cols = [d[0].lower() for d in cur.description]
    rows = cur.fetchall()
    return (True, rows[0][cols.index("comment")]) if rows else (False, None)


def _mutations(emu: Emulator, since: int) -> list[str]:
    sent = [str(e["statement"]).lstrip().upper() for e in emu.query_log(ACCOUNT)[since:]]
    return [s for s in sent if s.startswith(("CREATE", "ALTER", "DROP", "GRANT", "REVOKE"))]


def test_up_without_waiting_returns_before_the_model_exists(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    up = project.run("up")
    assert up.ok, up.stdout[-3000:]
    deadline = time.monotonic() + 120
    while not _model_comment(emu)[0]:
        assert time.monotonic() < deadline, "the job never produced the model"
        time.sleep(0.5)


def test_refresh_reads_and_the_next_up_writes_the_record(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    before = len(emu.query_log(ACCOUNT))
    refreshed = project.run("refresh")
    assert refreshed.ok, refreshed.stdout[-3000:]
    assert _mutations(emu, before) == []  # refresh only reads
    assert parse_record(_model_comment(emu)[1]) is None

    before = len(emu.query_log(ACCOUNT))
    up = project.run("up")
    assert up.ok, up.stdout[-3000:]
    assert parse_record(_model_comment(emu)[1]) == MINE
    sent = _mutations(emu, before)
    assert sent and all(s.startswith("ALTER MODEL") and "SET COMMENT" in s for s in sent), sent

    again = project.run("up")
    assert again.ok and again.changes == 0, again.summary
