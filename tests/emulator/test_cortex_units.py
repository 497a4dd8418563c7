"""Pure checks of the Cortex part (no server): base-model table, limits, stub engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from snowflake.connector.errors import ProgrammingError

from cortex_local.cortex import base_models
from cortex_local.cortex.job_runner import JobRunner, LimitError
from cortex_local.cortex.job_store import JobRecord, JobStore
from cortex_local.engines.base import TrainingJob
from cortex_local.engines.stub import MANIFEST, StubEngine


def _record(base: str = "llama3-70b") -> JobRecord:
    return JobRecord(
        id="ft_x",
        account="A",
        owner_role="R",
        base_model=base,
        model_db="D",
        model_schema="S",
        model_name="M",
        model="D.S.M",
        training_data="q",
        validation_data=None,
        options={},
        engine="stub",
        backing_model="b",
    )


def test_documented_windows_and_limits():
    m = base_models.BASE_MODELS
    assert (m["llama3.1-8b"].prompt_tokens, m["llama3.1-8b"].completion_tokens) == (20 * 1024, 4 * 1024)
    assert m["mixtral-8x7b"].data_limit_bytes == 250 * 1024 * 1024 and m["mistral-7b"].documented
    assert not m["llama3.2-1b"].documented and "llama3.2-3b" in m
    with pytest.raises(ProgrammingError, match="not a model available for fine-tuning"):
        base_models.base_model("llama2-70b-chat")


def test_data_size_limit_is_enforced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    runner = JobRunner(JobStore(tmp_path / "jobs"), StubEngine(), tmp_path / "adapters", lambda *_: None)
    small = base_models.BaseModel("llama3-70b", 8192, 6144, 2048, data_limit_bytes=100)
    monkeypatch.setitem(base_models.BASE_MODELS, "llama3-70b", small)
    runner.check_limits(_record(), [("a" * 40, "b" * 40)], [])
    with pytest.raises(LimitError, match="over the 100 byte limit"):
        runner.check_limits(_record(), [("a" * 40, "b" * 40)], [("c" * 30, "d")])


def test_stub_engine_is_honest_and_deterministic(tmp_path: Path):
    engine = StubEngine()
    assert engine.count_tokens("mistral-7b", "abcde") == 2
    seen: list[float] = []

    class Reporter:
        def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
            seen.append(progress)

    job = TrainingJob(
        "ft_1",
        "mistral-7b",
        "D.S.M",
        [("abcd", "efgh")],
        [],
        {"max_epochs": 2, "stub_step_seconds": 0},
        tmp_path / "out",
    )
    result = engine.train(job, Reporter())
    assert result.trained_tokens == 4 and seen[-1] == 1.0 and seen == sorted(seen)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["trained"] is False and list((tmp_path / "out").iterdir()) == [
        tmp_path / "out" / MANIFEST
    ]
    base = engine.complete("mistral-7b", None, "hi", 100)
    tuned = engine.complete("mistral-7b", tmp_path / "out", "hi", 100)
    assert base.startswith("[stub:mistral-7b] ") and tuned.startswith("[stub:mistral-7b+adapter:D.S.M] ")
    assert tuned == engine.complete("mistral-7b", tmp_path / "out", "hi", 100)
