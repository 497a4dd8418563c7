"""Jobs live in the server, not the client, and survive emulator restarts (never stuck)."""

from __future__ import annotations

import time

from tests.emulator.cortex_util import describe, finetune, show, training_table, wait_status
from tests.emulator.helpers import dicts


def test_restart_mid_job_reruns_in_progress_and_resumes_pending(fresh_emulator):
    emu = fresh_emulator
    account = emu.new_account()
    conn = emu.connect(account=account)
    src = training_table(conn)
    slow = '{"stub_step_seconds": 1}'
    running = finetune(
        conn, "CREATE", "DB.S.A", "mistral-7b", f"SELECT prompt, completion FROM {src}", None, slow
    )
    queued = finetune(
        conn, "CREATE", "DB.S.B", "mistral-7b", f"SELECT prompt, completion FROM {src}", None, slow
    )
    wait_status(conn, running, {"IN_PROGRESS"})
    assert describe(conn, queued)["status"] == "PENDING"
    conn.close()
    emu.restart()
    conn = emu.connect(account=account)
    assert describe(conn, running)["status"] in {"PENDING", "IN_PROGRESS"}
    for job in (running, queued):
        wait_status(conn, job, {"SUCCESS"}, timeout=30)
    assert [m["name"] for m in dicts(conn, "SHOW MODELS IN SCHEMA DB.S")] == ["A", "B"]


def test_finished_jobs_and_models_survive_restart(fresh_emulator):
    emu = fresh_emulator
    account = emu.new_account()
    conn = emu.connect(account=account)
    src = training_table(conn)
    job = finetune(conn, "CREATE", "DB.S.KEPT", "llama3-70b", f"SELECT prompt, completion FROM {src}")
    before = wait_status(conn, job, {"SUCCESS"})
    conn.close()
    emu.restart()
    conn = emu.connect(account=account)
    assert describe(conn, job) == before
    assert (
        conn.cursor()
        .execute("SELECT SNOWFLAKE.CORTEX.COMPLETE('DB.S.KEPT', 'q')")
        .fetchone()[0]
        .startswith("[stub:llama3-70b+adapter:DB.S.KEPT]")
    )


def test_job_retention_purges_old_records_but_keeps_models(tmp_path):
    from tests.conftest import Emulator

    emu = Emulator(tmp_path / "data", extra_args=["--job-retention", "1"])
    emu.start()
    try:
        conn = emu.connect(account=emu.new_account())
        src = training_table(conn)
        job = finetune(conn, "CREATE", "DB.S.OLD", "mistral-7b", f"SELECT prompt, completion FROM {src}")
        wait_status(conn, job, {"SUCCESS"})
        time.sleep(1.2)
        assert show(conn) == []
        assert [m["name"] for m in dicts(conn, "SHOW MODELS IN SCHEMA DB.S")] == ["OLD"]
    finally:
        emu.stop()
