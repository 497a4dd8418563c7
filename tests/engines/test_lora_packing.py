"""Packing must change the cost, never the maths: packed rows give the loss and LoRA gradients of
running each example alone."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch

from cortex_local.engines.lora_data import IGNORE, Example, batches, collate, encode, plan_rows
from cortex_local.engines.lora_train import TrainConfig, add_lora, completion_loss_sum
from cortex_local.engines.synthetic import extraction_pairs
from tests.engines.tiny import tiny_model


def _examples(tok: Any, n: int = 6) -> list[Example]:
    rows = extraction_pairs(n, seed=3)
    rows.append(("short", "x"))  # shares only the template's opening with the rest
    return [encode(tok, p, c) for p, c in rows]


def _unpacked_loss_sum(model: Any, examples: list[Example]) -> torch.Tensor:
    """The reference: each example alone through the HF forward, loss on the completion tokens."""
    total = torch.zeros(())
    for e in examples:
        ids = torch.tensor([e.ids])
        labels = ids.clone()
        labels[0, : e.prompt_len] = IGNORE
        out = model(input_ids=ids, labels=labels)
        total = total + out.loss * (len(e.ids) - e.prompt_len)
    return total


@pytest.mark.parametrize("segmented", [True, False], ids=["segment-attention", "dense-mask"])
@pytest.mark.parametrize(("row_tokens", "share"), [(4096, True), (160, True), (4096, False), (1, True)])
def test_packed_loss_and_grads_equal_unpacked(tok: Any, row_tokens: int, share: bool, segmented: bool) -> None:
    cfg = TrainConfig(lora_dropout=0.0, segment_attention=segmented)
    model = add_lora(tiny_model(len(tok)), cfg)
    assert (model.get_base_model().config._attn_implementation == "cortex_segments") == segmented
    for name, p in model.named_parameters():  # LoRA B starts at zero: make the adapter matter
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.05)
    model.eval()
    ex = _examples(tok)
    ref = _unpacked_loss_sum(model, ex)
    ref.backward()
    ref_grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()

    batch = collate(plan_rows(ex, row_tokens, share), tok.pad_token_id, share)
    got, n = completion_loss_sum(model, batch)
    got.backward()

    assert n == sum(len(e.ids) - e.prompt_len for e in ex)
    assert float(got.detach()) == pytest.approx(float(ref.detach()), rel=1e-4)
    for name, p in model.named_parameters():
        if p.requires_grad:
            torch.testing.assert_close(p.grad, ref_grads[name], rtol=1e-3, atol=1e-5)


def test_shared_prefix_saves_tokens_and_respects_budget(tok: Any) -> None:
    ex = _examples(tok, 12)
    rows = plan_rows(ex, 600, share_prefix=True)  # byte-level tokens: ~190 per example
    shared = collate(rows, tok.pad_token_id, True)
    plain = collate(plan_rows(ex, 10_000, share_prefix=False), tok.pad_token_id, False)
    real = sum(len(e.ids) for e in ex)
    assert int((shared.targets != IGNORE).sum()) == int((plain.targets != IGNORE).sum())
    computed = int((shared.attention_mask[:, 0].diagonal(dim1=-2, dim2=-1) & (shared.input_ids != tok.pad_token_id))
                   .sum())
    assert computed < real  # the common "<|im_start|>user\nExtract the condition from: " ran once per row
    assert sorted(e.ids for r in rows for e in r) == sorted(e.ids for e in ex)  # nothing lost or doubled
    widths = [len(collate([r], tok.pad_token_id, True).input_ids[0]) for r in rows]
    assert len(rows) > 1 and max(widths) <= 600 and max(widths) - min(widths) <= 200  # fits, evenly filled
    assert shared.input_ids.shape[1] % 8 == 0


def test_segments_see_the_shared_prefix_and_never_each_other(tok: Any) -> None:
    ex = sorted([encode(tok, "aaaa b", "c"), encode(tok, "aaaa d", "ee")], key=lambda e: e.ids)
    b = collate([ex], tok.pad_token_id, True)
    m, pos = b.attention_mask[0, 0], b.position_ids[0].tolist()
    second = next(i for i in range(1, len(pos)) if pos[i] != pos[i - 1] + 1)  # positions restart there
    p = pos[second]  # the shared prefix length: the second suffix continues from it
    end = second + len(ex[1].ids) - p
    assert p > 5 and pos[:p] == list(range(p))
    assert m[p:end, :p].all()  # both suffixes see the whole prefix
    assert not m[second:end, p:second].any()  # the second never sees the first
    assert not m[:second, second:].any()  # nor the reverse (causality)
    assert not m[end:, :end].any()  # padding sees nothing real
    assert m.diagonal().all()  # every row (padding too) attends somewhere: no NaN in attention


def test_epoch_batches_cover_each_example_once(tok: Any) -> None:
    ex = _examples(tok, 20)
    got = batches(ex, 8, 256, tok.pad_token_id, random.Random(0))
    assert sum(b.examples for b in got) == len(ex)
    assert sum(b.billed_tokens for b in got) == sum(e.billed_tokens for e in ex)
    assert [b.examples for b in got] == [8, 8, 5]


def test_segment_attention_equals_dense_attention_under_the_packing_mask(tok: Any) -> None:
    """The layout covers exactly the mask's pairs: same outputs as SDPA over whole rows, GQA included."""
    from types import SimpleNamespace

    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    from cortex_local.engines.lora_attention import segment_attention, segments

    batch = collate(plan_rows(_examples(tok, 9), 200, True), tok.pad_token_id, True)
    assert batch.input_ids.shape[0] > 1 and batch.layout is not None
    b, t = batch.input_ids.shape
    torch.manual_seed(0)
    q, k, v = torch.randn(b, 4, t, 8), torch.randn(b, 2, t, 8), torch.randn(b, 2, t, 8)
    module = SimpleNamespace(num_key_value_groups=2, is_causal=True)
    dense, _ = sdpa_attention_forward(module, q, k, v, batch.attention_mask, scaling=0.35)
    with segments(batch.layout):
        seg, _ = segment_attention(module, q, k, v, batch.attention_mask, scaling=0.35)
    tokens = torch.zeros(b, t, dtype=torch.bool)
    for r in range(b):
        tokens[r, : int((batch.input_ids[r] != tok.pad_token_id).sum())] = True  # padding: no segment
    torch.testing.assert_close(seg[tokens], dense[tokens], rtol=1e-5, atol=1e-6)
    assert torch.isfinite(seg).all()
