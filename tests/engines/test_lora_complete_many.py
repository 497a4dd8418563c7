"""COMPLETE over many rows: the lora engine generates them in left-padded batches, and every row's answer
is the one a COMPLETE of that prompt alone gives (base model and adapter)."""

from __future__ import annotations

from pathlib import Path

from cortex_local.engines import lora
from cortex_local.engines.base import TrainingJob
from cortex_local.engines.synthetic import extraction_pairs
from tests.engines.test_lora_engine import Recorder
from tests.engines.tiny import TinyEngine


def test_batched_completions_equal_single_ones(engine: TinyEngine, tmp_path: Path) -> None:
    data = extraction_pairs(15, seed=9)
    job = TrainingJob("ft_1", "mistral-7b", "DB.S.M", data[:8], [], {"max_epochs": 1, "learning_rate": 5e-2},
                      tmp_path / "adapter")
    engine.train(job, Recorder())
    # prompts of different lengths (padding), more than one batch, and a last batch of one
    prompts = [p for p, _ in data] + ["hi", "Extract the condition from: a much longer note " * 3]
    prompts = prompts[: 2 * lora.COMPLETE_BATCH + 1]
    for adapter in (None, job.output_dir):
        single = [engine.complete("mistral-7b", adapter, p, 6) for p in prompts]
        assert engine.complete_many("mistral-7b", adapter, prompts, 6) == single
