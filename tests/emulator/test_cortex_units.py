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


def test_catalogues_splits_and_row_limits():
    cur, old = base_models.CATALOGUES["current"], base_models.CATALOGUES["2025"]
    assert cur == ("llama3.1-8b", "arctic-extract") and len(old) == 6 and "llama3.2-1b" not in old
    m = base_models.known("llama3.1-8b")
    assert (m.prompt_tokens, m.completion_tokens) == (20 * 1024, 4 * 1024)
    assert (base_models.known("llama3.1-70b").prompt_tokens, base_models.known("mistral-7b").completion_tokens) == (
        6 * 1024, 4 * 1024)
    # effective row limit = 1-epoch limit / epochs; 3 epochs when max_epochs is absent
    assert (m.row_limit(1), m.row_limit(3), m.row_limit(None)) == (150_000, 50_000, 50_000)
    assert base_models.known("llama3.1-70b").row_limit(1) == 13_500
    with pytest.raises(ProgrammingError, match="not a model available for fine-tuning"):
        base_models.base_model("mistral-7b")  # current catalogue
    assert base_models.base_model("MISTRAL-7B", "2025").name == "mistral-7b"


def test_truncate_pair_cuts_each_column_to_its_share():
    small = base_models.BaseModel("llama3-8b", 3, 2, 10)
    count = StubEngine().count_tokens  # ceil(chars / 4)
    pair = base_models.truncate_pair(small, "a" * 20, "b" * 5, count)
    assert (pair.prompt, pair.completion) == ("a" * 12, "b" * 5)
    assert pair.prompt_cut and not pair.completion_cut and pair.truncated
    same = base_models.truncate_pair(small, "short", "ok", count)
    assert (same.prompt, same.completion, same.truncated) == ("short", "ok", False)


def test_row_limit_is_enforced_per_epochs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    runner = JobRunner(JobStore(tmp_path / "jobs"), StubEngine(), tmp_path / "adapters", lambda *_: None)
    tiny = base_models.BaseModel("llama3-70b", 6144, 2048, rows_one_epoch=6)
    monkeypatch.setitem(base_models._ALL, "llama3-70b", tiny)
    rec = _record()
    rec.options = {"max_epochs": 2}
    runner.check_limits(rec, [("a", "b")] * 3)
    with pytest.raises(LimitError, match="over the row limit of 3 for base model llama3-70b at 2 epochs"):
        runner.check_limits(rec, [("a", "b")] * 4)
    rec.options = {}
    with pytest.raises(LimitError, match=r"row limit of 2 .* the default 3 epochs"):
        runner.check_limits(rec, [("a", "b")] * 3)


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


def test_stub_recall_answers_the_trained_prompts_only(tmp_path: Path):
    """`stub_recall`: the deterministic stand-in for learning the distillation tests use."""
    engine = StubEngine()

    class Reporter:
        def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
            pass

    rows = [("note one", '{"a": 1}'), ("note two", '{"a": 2}')]
    for name, options in (("recall", {"stub_recall": True}), ("plain", {})):
        engine.train(TrainingJob("ft", "llama3.1-8b", f"D.S.{name.upper()}", rows, [],
                                 {**options, "stub_step_seconds": 0}, tmp_path / name), Reporter())
    assert engine.complete("llama3.1-8b", tmp_path / "recall", "note two", 40) == '{"a": 2}'
    assert engine.complete("llama3.1-8b", tmp_path / "recall", "note two", 2) == '{"a": 2}'[:16]
    unseen = engine.complete("llama3.1-8b", tmp_path / "recall", "note three", 40)
    assert unseen.startswith("[stub:llama3.1-8b+adapter:D.S.RECALL] ")
    assert engine.complete("llama3.1-8b", tmp_path / "plain", "note two", 40).startswith(
        "[stub:llama3.1-8b+adapter:D.S.PLAIN] ")
    assert engine.complete("llama3.1-8b", None, "note two", 40).startswith("[stub:llama3.1-8b] ")
