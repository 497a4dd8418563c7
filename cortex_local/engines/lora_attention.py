"""Attention over packed rows, segment by segment: only the pairs the packing mask allows are computed.

A packed row is [shared prefix][example 1's suffix][example 2's suffix]... and its 4-D mask lets each
suffix see the prefix and itself (lora_data). Dense SDPA over the row still computes every T x T pair
and throws most away (~80% at 4 examples a row). Here every segment -- the prefix, and each example's
suffix -- becomes one small attention problem: its queries against the keys it may see (the prefix's,
then its own), padded to the longest segment of the batch and run as one batched SDPA call. The result
is the same attention (tests/engines check the loss against the dense mask and against unpacked rows);
the work is what the mask allows, not the square of the row.

The layout is built with the batch (lora_data.collate) and handed to the attention function through a
context variable for the duration of one forward pass; without a layout (inference, other callers) the
function is transformers' own SDPA attention.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

NAME = "cortex_segments"


@dataclass
class SegmentLayout:
    q_index: torch.Tensor  # [S, Lq] flat positions (row * T + t) of each segment's queries (padding -> 0)
    k_index: torch.Tensor  # [S, Lk] flat positions of the keys it may see (padding -> 0)
    mask: torch.Tensor  # [S, 1, Lq, Lk] bool, True = may attend; padded queries see one key (no NaN)
    q_valid: torch.Tensor  # [S, Lq] bool: which query slots are real
    out_index: torch.Tensor  # [N] flat positions of the real queries, in q_valid's row-major order

    def to(self, device: torch.device) -> SegmentLayout:
        return SegmentLayout(self.q_index.to(device), self.k_index.to(device), self.mask.to(device),
                             self.q_valid.to(device), self.out_index.to(device))


def build_layout(rows: Sequence[tuple[int, Sequence[int]]], width: int) -> SegmentLayout:
    """rows: per packed row, (shared prefix length p, suffix lengths in order); positions as in _row."""
    segments: list[tuple[list[int], list[int], int]] = []  # (query positions, key positions, prefix keys)
    for r, (p, suffixes) in enumerate(rows):
        base = r * width
        prefix = [base + t for t in range(p)]
        if p:
            segments.append((prefix, prefix, 0))
        start = p
        for n in suffixes:
            own = [base + t for t in range(start, start + n)]
            segments.append((own, prefix + own, p))
            start += n
    lq = max(len(q) for q, _, _ in segments)
    lk = max(len(k) for _, k, _ in segments)
    s = len(segments)
    q_index = torch.zeros((s, lq), dtype=torch.long)
    k_index = torch.zeros((s, lk), dtype=torch.long)
    mask = torch.zeros((s, 1, lq, lk), dtype=torch.bool)
    q_valid = torch.zeros((s, lq), dtype=torch.bool)
    causal = torch.ones((lq, lq), dtype=torch.bool).tril()
    for i, (q, k, p) in enumerate(segments):
        nq, nk = len(q), len(k)
        q_index[i, :nq] = torch.tensor(q)
        k_index[i, :nk] = torch.tensor(k)
        q_valid[i, :nq] = True
        mask[i, 0, :nq, :p] = True  # every query of a suffix sees the whole prefix
        mask[i, 0, :nq, p:nk] = causal[:nq, : nk - p]  # and its own segment causally
        mask[i, 0, nq:, 0] = True  # padded query slots: one key, so softmax stays finite
    out_index = q_index[q_valid]
    return SegmentLayout(q_index, k_index, mask, q_valid, out_index)


_LAYOUT: ContextVar[SegmentLayout | None] = ContextVar("cortex_segment_layout", default=None)


@contextlib.contextmanager
def segments(layout: SegmentLayout | None) -> Iterator[None]:
    token = _LAYOUT.set(layout)
    try:
        yield
    finally:
        _LAYOUT.reset(token)


def segment_attention(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                      attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
                      **kwargs: Any) -> tuple[torch.Tensor, None]:
    """transformers' attention-function signature: q [B,H,T,D], k/v [B,Hkv,T,D] -> [B,T,H,D]."""
    layout = _LAYOUT.get()
    if layout is None or dropout:
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, **kwargs)
    b, h, t, d = query.shape
    hk = key.shape[1]
    q = query.transpose(1, 2).reshape(b * t, h, d)[layout.q_index].transpose(1, 2)  # [S, H, Lq, D]
    k = key.transpose(1, 2).reshape(b * t, hk, d)[layout.k_index].transpose(1, 2)  # [S, Hkv, Lk, D]
    v = value.transpose(1, 2).reshape(b * t, hk, value.shape[-1])[layout.k_index].transpose(1, 2)
    # grouped-query attention (h // hk query heads per key/value head) inside SDPA: no repeated copies of
    # k and v (~25% of this function's time on a CPU when they were repeat_interleave'd)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=layout.mask, scale=scaling,
                                         enable_gqa=hk != h)  # [S, H, Lq, Dv]
    real = out.transpose(1, 2)[layout.q_valid]  # [N, H, Dv]
    full = real.new_zeros((b * t, h, real.shape[-1])).index_copy(0, layout.out_index, real)
    return full.view(b, t, h, real.shape[-1]), None


def use_segment_attention(model: Any) -> None:
    """Register the function with transformers and switch `model` (a fresh training copy) to it."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface

    AttentionInterface.register(NAME, segment_attention)
    AttentionMaskInterface.register(NAME, ALL_MASK_ATTENTION_FUNCTIONS["sdpa"])
    model.set_attn_implementation(NAME)
