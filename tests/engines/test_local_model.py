"""The model cache: converted once, atomically, where CORTEX_LOCAL_MODEL_CACHE says."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex_local.engines import local_model as lm


def test_cache_dir_env_wins_over_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lm.CACHE_ENV, raising=False)
    assert lm.default_cache_dir(tmp_path) == tmp_path / "models"
    monkeypatch.setenv(lm.CACHE_ENV, str(tmp_path / "shared"))
    assert lm.default_cache_dir(tmp_path) == tmp_path / "shared"


def test_a_failed_conversion_leaves_no_half_cache(tmp_path: Path) -> None:
    def crash(tmp: Path) -> None:
        (tmp / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("killed mid-conversion")

    with pytest.raises(RuntimeError):
        lm._atomic_build(tmp_path / "m", crash, "weights")
    assert list(tmp_path.iterdir()) == []


def test_conversion_runs_once_then_is_reused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = []

    def build(tmp: Path) -> None:
        calls.append(tmp)
        (tmp / "config.json").write_text("{}")

    first = lm._atomic_build(tmp_path / "m", build, "weights")
    second = lm._atomic_build(tmp_path / "m", build, "weights")
    assert first == second == tmp_path / "m" and len(calls) == 1
    assert (first / "config.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary sibling left behind
    assert "first use" in capsys.readouterr().err


def test_threads_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    before = torch.get_num_threads()
    monkeypatch.setenv(lm.THREADS_ENV, "1")
    try:
        assert lm.bound_threads() == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def test_threads_default_to_every_core_with_passive_openmp_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import torch

    import cortex_local.engines  # noqa: F401  (sets the OpenMP wait policy before torch loads)

    before = torch.get_num_threads()
    monkeypatch.delenv(lm.THREADS_ENV, raising=False)
    try:
        assert lm.bound_threads() == (os.cpu_count() or 1) == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE"
