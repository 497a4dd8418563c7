"""Snowflake's own Python clients against the emulator: a Snowpark Session built from the same connection
parameters, and snowflake-ml-python 2.6.0's `snowflake.cortex.Finetune` / `FinetuneJob` (create,
list_jobs, describe, cancel).

The `options` question: `FinetuneStatus(**json)` accepts exactly twelve keys, so a
DESCRIBE that carries `options` (the current docs' example) makes `FinetuneJob.describe()` raise
TypeError. The emulator's default leaves `options` out; `--describe-options` shows the other shape.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from snowflake.cortex import Finetune, FinetuneJob, FinetuneStatus
from snowflake.snowpark import Session

from tests.conftest import Emulator
from tests.emulator.cortex_util import training_table


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("clients") / "data", catalogue="current")
    emu.start()
    yield emu
    emu.stop()


def _session(emu: Emulator) -> Session:
    account = emu.new_account()
    training_table(emu.connect(account=account), rows=12)
    params: dict[str, Any] = {k: v for k, v in emu.params(account).items() if k != "network_timeout"}
    return Session.builder.configs(params).create()


def _wait(job: FinetuneJob, wanted: set[str], timeout: float = 20.0) -> FinetuneStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = job.describe()
        if status.status in wanted:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


def test_snowpark_session_runs_sql_and_dataframes(current: Emulator) -> None:
    session = _session(current)
    try:
        assert session.sql("SELECT 1 AS X").collect()[0]["X"] == 1
        rows = session.table("DB.S.TRAIN").select("PROMPT", "COMPLETION").collect()
        assert len(rows) == 12 and rows[0]["PROMPT"].startswith("Extract the condition")
        assert session.get_current_account().strip('"') == session.sql("SELECT CURRENT_ACCOUNT()").collect()[0][0]
    finally:
        session.close()


def test_ml_python_finetune_create_describe_list_cancel(current: Emulator) -> None:
    session = _session(current)
    try:
        ft = Finetune(session)
        job = ft.create("DB.S.TUNED", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN",
                        options={"max_epochs": 1})
        assert job.status.id and job.status.id.startswith("ft_")
        done = _wait(job, {"SUCCESS", "ERROR"})
        assert (done.status, done.model, done.base_model, done.validation_data) == (
            "SUCCESS", "DB.S.TUNED", "llama3.1-8b", "")
        assert done.trained_tokens and done.progress == 1.0 and done.error is None
        # a Snowpark DataFrame as training data: its one query is sent as the training query
        df = session.table("DB.S.TRAIN").select("PROMPT", "COMPLETION")
        slow = ft.create("DB.S.SLOW", "llama3.1-8b", df, df, options={"stub_step_seconds": 2})
        assert slow.cancel() is True
        assert _wait(slow, {"CANCELLED"}).status == "CANCELLED"
        listed = {j.status.id: j.status.status for j in ft.list_jobs()}
        assert listed == {job.status.id: "SUCCESS", slow.status.id: "CANCELLED"}
        # an asynchronous failure reaches the client as status ERROR with Snowflake's error object
        bad = ft.create("DB.S.BAD", "llama3.1-8b", "SELECT prompt FROM DB.S.TRAIN")
        failed = _wait(bad, {"ERROR", "SUCCESS"})
        assert failed.status == "ERROR" and failed.error is not None
        assert failed.error["code"] == "INVALID_PARAMETER_VALUE"
    finally:
        session.close()


def test_ml_python_describe_rejects_an_options_key(tmp_path: Path) -> None:
    """Why the default leaves `options` out: Snowflake's own client cannot read it."""
    emu = Emulator(tmp_path / "data", catalogue="current", extra_args=["--describe-options"])
    emu.start()
    try:
        session = _session(emu)
        job = Finetune(session).create("DB.S.OPT", "llama3.1-8b", "SELECT prompt, completion FROM DB.S.TRAIN")
        with pytest.raises(TypeError, match="options"):
            job.describe()
        session.close()
    finally:
        emu.stop()
