"""`pulumi import` through the plugin leaves the stack's ownership record on the object, on the real
engine (plugin, YAML program, stub emulator). The import only reads (its preview reads too), so the
next `up` writes the record: its preview shows an update of `owner`, the `up` sends one ALTER MODEL
(or ALTER VIEW) ... SET COMMENT and nothing else, and a second stack that then declares the same
object, even with `adopt: true`, is refused naming the owner, as for any object a stack created.
Import used to leave no record (models, then views), so the second stack took the object over.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cortex_provider.resources.ownership import Owner, parse_record
from tests.conftest import Emulator
from tests.e2e.support import seed_demo
from tests.e2e.test_plugin import PASSWORD, READ_ONLY, Project, write_program
from tests.e2e.test_plugin import pytestmark as needs_plugin

pytestmark = needs_plugin
MODEL = "CORTEX_DEMO.IMP.BOT"
TRAIN = "SELECT prompt, completion FROM CORTEX_DEMO.RAW.SUPPORT_NOTES_VIEW"


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    server = Emulator(tmp_path_factory.mktemp("plugin-import-record") / "data", engine="stub", catalogue="current")
    server.start()
    seed_demo(server.port, password=PASSWORD, rows=10)
    yield server
    server.stop()


def _hand_made(emu: Emulator) -> None:
    """A model trained by hand, with no stack's record."""
    with emu.connect("LOCAL", password=PASSWORD) as conn:
        cur = conn.cursor()
        cur.execute("CREATE SCHEMA CORTEX_DEMO.IMP")
        cur.execute("CREATE VIEW CORTEX_DEMO.IMP.TRAIN AS SELECT 'Extract: ' || NOTE AS prompt, LABEL_JSON AS "
                    "completion FROM CORTEX_DEMO.RAW.SUPPORT_NOTES")
        cur.execute(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', '{MODEL}', 'llama3.1-8b', "
                    "'SELECT prompt, completion FROM CORTEX_DEMO.IMP.TRAIN')")
        job = cur.fetchone()[0]
        deadline = time.monotonic() + 60
        while '"SUCCESS"' not in (status := cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', %s)",
                                                         (job,)).fetchone()[0]):
            assert '"ERROR"' not in status and time.monotonic() < deadline, status
            time.sleep(0.2)


def _writes_since(emu: Emulator, before: int) -> list[str]:
    """The statements after the first `before` in the account's log that are not read-only."""
    return [str(q["statement"]).strip() for q in emu.query_log("LOCAL")[before:]
            if not str(q["statement"]).strip().upper().startswith(READ_ONLY)]


def _comment(emu: Emulator, show: str) -> str | None:
    """The COMMENT column of the one row `show` (a SHOW ... LIKE) lists, or None without a row."""
    with emu.connect("LOCAL", password=PASSWORD) as conn:
        cur = conn.cursor()
        cur.execute(show)
        names = [d[0].lower() for d in cur.description]
        row = cur.fetchone()
        return None if row is None else row[names.index("comment")]


def _import_then_record_then_refuse(emu: Emulator, tmp_path: Path, *, kind: str, name: str, object_id: str,
                                    stack: str, rival_stack: str, show: str, record_write: str) -> None:
    """Import `object_id` as `name` into `stack`; the next `up` writes only the record (a statement
    starting with `record_write`); a second stack declaring it with `adopt: true` is refused, sending
    nothing, and the record stays the importing stack's."""
    proj = Project(tmp_path / stack, emu, "LOCAL")
    write_program(proj.path, {})
    proj.init(stack)
    proj("import", kind, name, object_id, "--yes", "--generate-code=false", "--protect=false")
    assert parse_record(_comment(emu, show)) is None  # the import only read
    inputs = next(r["inputs"] for r in proj.export()["deployment"]["resources"] if r["type"] == kind)
    program = {name: {"type": kind, "properties": {k: v for k, v in inputs.items() if v is not None}}}
    write_program(proj.path, program)
    owner = Owner("cortex-import", stack, name)

    preview = proj("preview", "--diff")
    assert "owner" in preview.stdout and "1 to update" in preview.stdout, preview.stdout[-3000:]
    before = len(emu.query_log("LOCAL"))
    proj("up", "--yes")
    writes = _writes_since(emu, before)
    assert len(writes) == 1 and writes[0].upper().startswith(record_write), writes
    assert parse_record(_comment(emu, show)) == owner
    proj("up", "--yes", "--expect-no-changes")

    rival = Project(tmp_path / rival_stack, emu, "LOCAL")
    program[name]["properties"]["adopt"] = True
    write_program(rival.path, program)
    rival.init(rival_stack)
    before = len(emu.query_log("LOCAL"))
    refused = rival("up", "--yes", ok=False)
    assert refused.returncode != 0
    assert f"'{stack}'" in refused.stdout + refused.stderr, refused.stdout[-3000:]  # names the owning stack
    writes = _writes_since(emu, before)
    assert not writes, writes
    record = parse_record(_comment(emu, show))
    assert record == owner
    assert record is not None and json.dumps(record.as_input()) == json.dumps(owner.as_input())


def test_an_imported_model_carries_the_stacks_record_and_a_second_stack_is_refused(
        emu: Emulator, tmp_path: Path) -> None:
    _hand_made(emu)
    _import_then_record_then_refuse(
        emu, tmp_path, kind="cortex:index:FineTunedModel", name="impModel", object_id=MODEL, stack="imp",
        rival_stack="rival", show="SHOW MODELS LIKE 'BOT' IN SCHEMA CORTEX_DEMO.IMP", record_write="ALTER MODEL")


VIEW = "CORTEX_DEMO.IMPV.TRAIN"


def test_an_imported_view_carries_the_stacks_record_and_a_second_stack_is_refused(
        emu: Emulator, tmp_path: Path) -> None:
    with emu.connect("LOCAL", password=PASSWORD) as conn:  # a view made by hand, with no stack's record
        cur = conn.cursor()
        cur.execute("CREATE SCHEMA CORTEX_DEMO.IMPV")
        cur.execute(f"CREATE VIEW {VIEW} AS SELECT 'Extract: ' || NOTE AS prompt, LABEL_JSON AS completion "
                    "FROM CORTEX_DEMO.RAW.SUPPORT_NOTES")
    _import_then_record_then_refuse(
        emu, tmp_path, kind="cortex:index:TrainingView", name="impView", object_id=VIEW, stack="impv",
        rival_stack="rivalv", show="SHOW VIEWS LIKE 'TRAIN' IN SCHEMA CORTEX_DEMO.IMPV",
        record_write=f"ALTER VIEW IF EXISTS {VIEW} SET COMMENT")
