"""The `lora` engine's contract with the job manager, on the tiny model: progress, billing, adapter
files, cancellation, and the COMPLETE adapter cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from safetensors.torch import load_file

from cortex_local.engines import load_engine
from cortex_local.engines.base import JobCancelled, TrainingJob
from cortex_local.engines.synthetic import extraction_pairs
from tests.engines.tiny import TinyEngine


class Recorder:
    def __init__(self, cancel_after: int | None = None) -> None:
        self.calls: list[tuple[float, int, float | None]] = []
        self.cancel_after = cancel_after

    def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
        self.calls.append((progress, trained_tokens, validation_loss))
        if self.cancel_after is not None and len(self.calls) > self.cancel_after:
            raise JobCancelled()


def _job(tmp_path: Path, rows: int = 12, epochs: int = 2, **opts: object) -> TrainingJob:
    data = extraction_pairs(rows + 3, seed=5)
    return TrainingJob("ft_1", "mistral-7b", "DB.S.M", data[:rows], data[rows:],
                       {"max_epochs": epochs, **opts}, tmp_path / "adapter")


def test_train_reports_progress_bills_tokens_and_saves_only_the_adapter(engine: TinyEngine,
                                                                         tmp_path: Path) -> None:
    job = _job(tmp_path, learning_rate=1e-2, batch_size=4)
    rec = Recorder()
    res = engine.train(job, rec)

    billed = sum(engine.count_tokens("mistral-7b", p) + engine.count_tokens("mistral-7b", c)
                 for p, c in job.training_rows)
    assert res.trained_tokens == billed * 2  # input tokens x epochs, as Cortex bills
    progress = [p for p, _, _ in rec.calls]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert [t for _, t, _ in rec.calls][-1] == res.trained_tokens
    assert len(rec.calls) >= 2 + 3 * 2  # 12 rows / batch 4 = 3 steps per epoch, one report each
    assert sum(v is not None for _, _, v in rec.calls) == 2  # validation loss once per epoch
    assert res.validation_loss is not None and res.validation_loss > 0
    assert res.details["epoch_losses"][-1] < res.details["epoch_losses"][0]  # it learned something
    assert sorted(f.name for f in job.output_dir.iterdir()) == ["adapter_config.json",
                                                                "adapter_model.safetensors"]
    weights = load_file(job.output_dir / "adapter_model.safetensors")
    assert weights and all("lora_" in k for k in weights)
    assert any(float(v.abs().sum()) > 0 for k, v in weights.items() if "lora_B" in k)


def test_cancel_propagates_and_saves_nothing(engine: TinyEngine, tmp_path: Path) -> None:
    job = _job(tmp_path, rows=16, epochs=3, batch_size=2)
    rec = Recorder(cancel_after=3)
    with pytest.raises(JobCancelled):
        engine.train(job, rec)
    assert len(rec.calls) == 4  # stopped at the first report after CANCEL, not at the end
    assert not job.output_dir.exists() or not any(job.output_dir.iterdir())


def test_cancel_before_start_loads_no_model(engine: TinyEngine, tmp_path: Path) -> None:
    with pytest.raises(JobCancelled):
        engine.train(_job(tmp_path), Recorder(cancel_after=0))
    assert engine.base_loads == 0


def test_complete_caches_base_and_adapters(engine: TinyEngine, tmp_path: Path) -> None:
    job = _job(tmp_path, rows=8, epochs=1, learning_rate=5e-2)
    engine.train(job, Recorder())
    assert engine.warming is not None
    engine.warming.join(60)  # the new model is loaded for inference as soon as its job ends
    assert engine.base_loads == 2 and len(engine._adapters) == 1  # the job's base, then the inference one
    loads_after_training = engine.base_loads
    base1 = engine.complete("mistral-7b", None, "Extract the condition from: x", 8)
    tuned = engine.complete("mistral-7b", job.output_dir, "Extract the condition from: x", 8)
    tuned2 = engine.complete("mistral-7b", job.output_dir, "Extract the condition from: x", 8)
    base2 = engine.complete("mistral-7b", None, "Extract the condition from: x", 8)
    assert engine.base_loads == loads_after_training  # the warmed inference base, never reloaded
    assert tuned == tuned2 and base1 == base2  # greedy, and the adapter is off for the base model
    assert isinstance(base1, str) and len(engine._adapters) == 1

    for i in range(5):  # the LRU keeps a few adapters, evicting the oldest
        other = _job(tmp_path / f"o{i}", rows=4, epochs=1)
        engine.train(other, Recorder())
        engine.complete("mistral-7b", other.output_dir, "hi", 2)
    assert len(engine._adapters) == 4
    assert str(job.output_dir.resolve()) not in engine._adapters
    assert engine.complete("mistral-7b", job.output_dir, "Extract the condition from: x", 8) == tuned


def test_count_tokens_uses_the_tokenizer(engine: TinyEngine) -> None:
    assert engine.count_tokens("llama3.1-8b", "abc") == 3  # byte-level: one token per byte
    assert engine.count_tokens("llama3.1-8b", "") == 0
    assert "stand-in for llama3.1-8b" in engine.backing_model("llama3.1-8b")


def test_load_engine_returns_the_lora_engine(tmp_path: Path) -> None:
    eng = load_engine("lora", str(tmp_path))
    assert eng.name == "lora"
    assert "SmolLM2-135M-Instruct" in eng.backing_model("mistral-7b")
