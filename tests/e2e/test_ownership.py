"""Ownership across stacks on the real engine (resources/ownership.py): the `local` stack's model and
views carry its record in their COMMENT; a second stack declaring the same names is refused (nothing
created or changed, the message names the owner), its `destroy` drops nothing of the first stack's, and
the first stack's next `up` is a no-op. A stack whose state predates the records upgrades with no diff."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cortex_provider.resources.ownership import Owner, parse_record
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import demo_project, skip_after_failure

FQ = "CORTEX_DEMO.MODELS"
LOCAL = Owner("cortex", "local", "model-support-extractor")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject]]:
    with demo_project(tmp_path_factory.mktemp("ownership")) as (emu, project):
        yield emu, project


@pytest.fixture(autouse=True)
def _ordered(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "ownership")


def _comments(emu: Emulator) -> dict[str, str]:
    cur = emu.connect(account="LOCAL").cursor()
    out: dict[str, str] = {}
    for kind in ("MODELS", "VIEWS"):
        cur.execute(f"SHOW {kind} IN SCHEMA {FQ}")
        cols = [d[0].lower() for d in cur.description]
        out |= {r[cols.index("name")]: r[cols.index("comment")] for r in cur.fetchall()}
    return out


def _sent(emu: Emulator, since: int) -> list[str]:
    return [str(e["statement"]).upper() for e in emu.query_log("LOCAL")[since:]]


def test_the_first_stack_records_itself_on_its_model_and_views(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    result = project.run("up")
    assert result.ok, result.stdout[-3000:]
    comments = _comments(emu)
    assert parse_record(comments["SUPPORT_EXTRACTOR"]) == LOCAL
    assert parse_record(comments["SUPPORT_TRAIN"]) == Owner("cortex", "local", "view-support-train")


def test_a_second_stack_over_the_same_objects_is_refused_and_its_destroy_drops_nothing(
        setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    data = project.load("local")
    spec = data["config"]["cortex:spec"]
    spec["models"][0]["retain_on_delete"] = False  # what examples/yaml declares
    project.save(data, "second")
    before, comments = len(emu.query_log("LOCAL")), _comments(emu)
    refused = project.run("up", "second")
    assert not refused.ok
    text = refused.stdout + refused.stderr
    assert "managed by stack 'local' of project 'cortex'" in text and "Fix:" in text
    sent = _sent(emu, before)
    assert not any("FINETUNE('CREATE'" in s or "CREATE OR REPLACE VIEW" in s or "DROP " in s
                   or "SET COMMENT" in s for s in sent)
    assert _comments(emu) == comments

    for entry in (*spec["training_views"], *spec["models"]):
        entry["adopt"] = True  # a declared adoption does not take what another stack holds either
    project.save(data, "second")
    assert not project.run("up", "second").ok
    assert _comments(emu) == comments

    before = len(emu.query_log("LOCAL"))
    gone = project.run("destroy", "second")
    assert gone.ok, gone.stdout[-3000:]
    assert not any("DROP MODEL" in s or "DROP VIEW" in s for s in _sent(emu, before))
    assert set(_comments(emu)) >= {"SUPPORT_EXTRACTOR", "SUPPORT_TRAIN", "SUPPORT_VALIDATION"}
    again = project.run("up")
    assert again.ok and again.changes == 0, again.summary


def _strip(value: Any) -> Any:
    """State as the code before ownership records wrote it."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("owner", "adopt", "origin")}
    return value


def test_a_stack_from_before_the_records_upgrades_with_no_diff(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    state = project.export("local")
    for res in state["deployment"]["resources"]:
        for key in ("inputs", "outputs"):
            if key in res:
                res[key] = _strip(res[key])
    path = project.dir / "old-state.json"
    path.write_text(json.dumps(state))
    project.pulumi("stack", "import", "--file", str(path), "--stack", "local")
    cur = emu.connect(account="LOCAL").cursor()
    cur.execute(f"ALTER MODEL {FQ}.SUPPORT_EXTRACTOR SET COMMENT = ''")
    for view in ("SUPPORT_TRAIN", "SUPPORT_VALIDATION"):
        cur.execute(f"ALTER VIEW {FQ}.{view} UNSET COMMENT")
    preview = project.run("preview")
    assert preview.ok and preview.changes == 0, preview.summary
    up = project.run("up")
    assert up.ok and up.changes == 0, up.summary
