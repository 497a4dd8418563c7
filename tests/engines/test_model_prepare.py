"""The emulator's lora engine converts its model cache on a thread as soon as it has loaded, so on a
machine's first start the ~40 s conversion runs while command (1) seeds and the Pulumi CLI still builds,
not inside the first training job."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import cortex_local.engines as engines
from cortex_local.engines import local_model as lm
from cortex_local.engines.stub import StubEngine


def test_the_deferred_lora_engine_prepares_its_model_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prepared = threading.Event()
    seen: list[Path] = []

    def prepare(cache_dir: Path) -> None:
        seen.append(cache_dir)
        prepared.set()

    monkeypatch.setattr(lm, "prepare_cache", prepare)
    monkeypatch.delenv(lm.CACHE_ENV, raising=False)
    real = engines.load_engine

    def load(name: str, data_dir: str, deferred: bool = False) -> Any:  # the engine itself: a stand-in
        return real(name, data_dir, deferred) if deferred else StubEngine()

    monkeypatch.setattr(engines, "load_engine", load)
    engine = real("lora", str(tmp_path), deferred=True)
    engine.wait(30)  # type: ignore[attr-defined]
    assert prepared.wait(30)
    assert seen == [tmp_path / "models"]


def test_a_failed_preparation_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    def broken(cache_dir: Path) -> Path:
        raise FileNotFoundError("SmolLM2-135M-Instruct.Q4_1.gguf is missing")

    monkeypatch.setattr(lm, "tokenizer_dir", broken)
    lm.prepare_cache(tmp_path)
    assert "preparing the SmolLM2-135M-Instruct cache" in caplog.text
