"""The engine loaded in the background (the server answers before torch is imported) and LoRA's
sparse dropout (nn.Dropout's distribution from ~p x n random numbers)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from cortex_local.engines.base import EngineUnavailable
from cortex_local.engines.deferred import DeferredEngine
from cortex_local.engines.lora_dropout import SparseDropout, dropped_positions, use_sparse_dropout
from cortex_local.engines.stub import StubEngine


def test_deferred_engine_waits_for_the_load_then_delegates() -> None:
    gate = threading.Event()

    def build() -> StubEngine:
        gate.wait(10)
        return StubEngine()

    eng = DeferredEngine("stub", build)
    assert eng.name == "stub" and not eng.loaded
    with pytest.raises(EngineUnavailable, match="still loading"):
        eng.wait(timeout=0.05)
    gate.set()
    assert eng.count_tokens("mistral-7b", "abcdefgh") == StubEngine().count_tokens("mistral-7b", "abcdefgh")
    assert eng.loaded and eng.backing_model("mistral-7b") == StubEngine().backing_model("mistral-7b")


def test_deferred_engine_reports_a_failed_load_on_every_call() -> None:
    def build() -> StubEngine:
        raise ImportError("libtorch_cpu.so: cannot open shared object file")

    eng = DeferredEngine("lora", build)
    for _ in range(2):
        with pytest.raises(EngineUnavailable, match=r"failed to load: libtorch_cpu\.so"):
            eng.complete("mistral-7b", Path("/nowhere"), "hi", 5)


def test_dropped_positions_have_dropouts_rate_and_cover_the_whole_tensor() -> None:
    gen = torch.Generator().manual_seed(3)
    n, p, runs = 2000, 0.05, 400
    hits = torch.zeros(n)
    for _ in range(runs):
        pos = dropped_positions(n, p, gen)
        assert pos.numel() == pos.unique().numel() and int(pos.min()) >= 0 and int(pos.max()) < n
        hits[pos] += 1
    rate = hits / runs
    assert abs(float(rate.mean()) - p) < 0.002  # 800k Bernoulli(0.05) draws: sd 0.00024
    # both ends are reached as often as the middle (no bias from where the gaps start or stop)
    assert abs(float(rate[:200].mean()) - p) < 0.01 and abs(float(rate[-200:].mean()) - p) < 0.01


def test_dropped_positions_tops_up_when_the_first_draws_fall_short(monkeypatch: pytest.MonkeyPatch) -> None:
    import cortex_local.engines.lora_dropout as mod

    monkeypatch.setattr(mod, "_MARGIN_SD", -10.0)  # first draw: ~220 gaps fewer than needed, every time
    gen = torch.Generator().manual_seed(0)
    rates = []
    for _ in range(50):
        pos = dropped_positions(2000, 0.5, gen)
        assert pos.numel() == pos.unique().numel() and int(pos.max()) < 2000
        rates.append(float((pos >= 1600).sum()) / 400)  # the tail only the top-up can reach
    assert 0.45 < sum(rates) / len(rates) < 0.55


def test_sparse_dropout_scales_kept_elements_and_backpropagates_through_the_mask() -> None:
    torch.manual_seed(1)
    x = torch.ones(400, 300, requires_grad=True)
    drop = SparseDropout(0.1).train()
    y = drop(x)
    kept = y != 0
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / 0.9))
    assert 0.08 < 1 - float(kept.float().mean()) < 0.12
    y.sum().backward()
    assert torch.equal(x.grad != 0, kept) and torch.equal(x, torch.ones(400, 300))
    assert drop.eval()(x) is x


def test_use_sparse_dropout_swaps_peft_dropout_only() -> None:
    layer = nn.Module()
    layer.lora_dropout = nn.ModuleDict({"default": nn.Dropout(0.05), "off": nn.Dropout(0.0)})
    model = nn.Sequential(layer, nn.Dropout(0.5))
    assert use_sparse_dropout(model) == 1
    assert isinstance(layer.lora_dropout["default"], SparseDropout) and layer.lora_dropout["default"].p == 0.05
    assert isinstance(model[1], nn.Dropout)  # the model's own dropout is not LoRA's
