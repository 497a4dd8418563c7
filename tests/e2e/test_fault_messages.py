"""Faults are messages, on the real engine: Snowflake unreachable, or gone while `up` waits on a paid
job, ends `up` within the time limits with a message naming the URL and the setting to change, and no
Python traceback; the job keeps running and the next `up` adopts it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Emulator, free_port
from tests.e2e.engine import EngineProject
from tests.e2e.programs import ProgramProject
from tests.resources.finetune_support import seed

PROGRAM = """\
from cortex_provider.pulumi.finetuned_model import FineTunedModel

FineTunedModel("m", model_name="M", database="DB", schema_name="S", base_model="mistral-7b",
               training_query="SELECT prompt, completion FROM DB.S.TRAIN",
               options={"max_epochs": 1, "stub_step_seconds": 4})
"""


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    e = Emulator(tmp_path / "data", engine="stub", catalogue="2025")
    e.start()
    try:
        yield e
    finally:
        e.stop()


def test_unreachable_snowflake_is_a_message_naming_url_and_setting(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    project = EngineProject(tmp_path / "project", port)
    started = time.monotonic()
    result = project.run("up")
    assert not result.ok and time.monotonic() - started < 120
    out = result.stdout + result.stderr
    assert f"http://127.0.0.1:{port}" in out and "cortex:loginTimeout" in out
    assert "Traceback" not in out and "pulumi/dynamic/__main__.py" not in out


def test_snowflake_gone_while_up_waits_ends_with_a_message_and_the_next_up_adopts(
    emu: Emulator, tmp_path: Path
) -> None:
    account = emu.new_account()
    seed(emu.connect(account=account))
    project = ProgramProject(tmp_path / "proj", emu, account, program=PROGRAM)
    project.env["SNOWFLAKE_NETWORK_TIMEOUT"] = "10"  # the setting the message names, set the documented way
    killed: list[float] = []

    def kill_when_waiting() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any("FINETUNE('DESCRIBE'" in s.upper() for s in project.statements()):
                emu.stop()
                killed.append(time.monotonic())
                return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_when_waiting, daemon=True)
    killer.start()
    result = project.run("up")
    killer.join(5)
    assert killed, "the emulator was not stopped while up waited"
    assert not result.ok
    assert time.monotonic() - killed[0] < 120  # not a silent hang
    out = "\n".join(project.lines)
    assert f"http://127.0.0.1:{emu.port}" in out and "cortex:networkTimeout=10s" in out
    assert "keeps running in Snowflake" in out and "the next `pulumi up` adopts it" in out
    assert "Traceback" not in out
    emu.start()  # Snowflake is back (same data, same port): the job runs on
    again = project.run("up")
    assert again.ok, "\n".join(project.lines[-30:])
    assert len(project.statements("FINETUNE('CREATE'")) == 1  # adopted, not paid twice


def test_missing_credential_is_its_message_not_a_traceback(tmp_path: Path) -> None:
    project = EngineProject(tmp_path / "project", free_port(), password="")  # no SNOWFLAKE_PASSWORD
    result = project.run("up")
    assert not result.ok
    out = result.stdout + result.stderr
    assert "no credential for user 'ADMIN'" in out and "pulumi config set --secret cortex:password" in out
    assert "Traceback" not in out
