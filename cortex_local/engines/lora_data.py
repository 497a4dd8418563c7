"""Tokenising prompt/completion pairs and packing them into rows with no wasted compute.

Layout of one packed row (the reason this engine is fast on a CPU):

    [shared prefix P][suffix of example 1][suffix of example 2]...[padding]

Examples in a row share their longest common token prefix (the chat template's system turn and the
instruction's fixed opening), which is computed ONCE per row; each suffix attends to the prefix and
causally to itself only (a 4-D boolean mask), with position ids continuing from the prefix so RoPE
sees exactly the positions it would see unpacked. The loss is the same sum over completion tokens as
running each example alone (tests/engines check this), but prefix tokens, padding and the logits of
prompt positions cost nothing.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from cortex_local.engines.lora_attention import SegmentLayout, build_layout

IGNORE = -100


@dataclass(frozen=True)
class Example:
    ids: tuple[int, ...]  # the whole chat-formatted conversation
    prompt_len: int  # ids[:prompt_len] is the prompt turn; the loss covers ids[prompt_len:]
    billed_tokens: int  # prompt + completion tokens as Cortex bills them (COUNT_TOKENS of each)


@dataclass
class Batch:
    input_ids: torch.Tensor  # [rows, T]
    position_ids: torch.Tensor  # [rows, T]
    attention_mask: torch.Tensor  # bool [rows, 1, T, T]; True = may attend
    targets: torch.Tensor  # [rows, T] next-token ids, IGNORE where there is no loss
    examples: int
    billed_tokens: int
    layout: SegmentLayout | None = None  # the same mask as segments (lora_attention); None: dense only

    @property
    def loss_tokens(self) -> int:
        return int((self.targets != IGNORE).sum())

    def to(self, device: torch.device) -> Batch:
        return Batch(self.input_ids.to(device), self.position_ids.to(device),
                     self.attention_mask.to(device), self.targets.to(device), self.examples,
                     self.billed_tokens, None if self.layout is None else self.layout.to(device))


def encode(tokenizer: Any, prompt: str, completion: str, max_len: int = 4096) -> Example:
    """Chat-format (user=prompt, assistant=completion); the loss will cover the assistant turn + end."""
    user = [{"role": "user", "content": prompt}]
    p_ids = tokenizer.apply_chat_template(user, add_generation_prompt=True, tokenize=True, return_dict=True)
    full = tokenizer.apply_chat_template(
        [*user, {"role": "assistant", "content": completion}], tokenize=True, return_dict=True
    )
    prompt_ids, ids = list(p_ids["input_ids"]), list(full["input_ids"])
    if ids[: len(prompt_ids)] != prompt_ids:  # template tokenised across the boundary: rebuild
        ids = prompt_ids + ids[len(prompt_ids):]
    billed = len(tokenizer(prompt)["input_ids"]) + len(tokenizer(completion)["input_ids"])
    ids = ids[:max_len]
    return Example(tuple(ids), min(len(prompt_ids), len(ids) - 1), billed)


def _lcp(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _shared_prefix(group: list[Example]) -> int:
    """Longest prefix shared by all of a lexicographically sorted group, kept inside every prompt
    (its last position must never carry a completion target, which differs per example)."""
    lcp = _lcp(group[0].ids, group[-1].ids) if len(group) > 1 else 0
    return max(0, min(lcp, *(e.prompt_len - 1 for e in group)))


def _cost(group: list[Example], share_prefix: bool) -> int:
    p = _shared_prefix(group) if share_prefix else 0
    return p + sum(len(e.ids) - p for e in group)


def plan_rows(examples: Sequence[Example], row_tokens: int, share_prefix: bool = True) -> list[list[Example]]:
    """Split examples (in token order, so neighbours share prefixes) into the fewest rows of near-equal
    size that each fit row_tokens; rows of equal width waste no compute on padding. An example longer
    than row_tokens gets a row alone."""
    ordered = sorted(examples, key=lambda e: e.ids)
    n = len(ordered)
    if n == 0:
        return []
    first = max(1, -(-_cost(ordered, share_prefix) // max(row_tokens, 1)))
    for k in range(min(first, n), n + 1):
        bounds = [round(i * n / k) for i in range(k + 1)]
        rows = [ordered[a:b] for a, b in itertools.pairwise(bounds) if b > a]
        if all(len(r) == 1 or _cost(r, share_prefix) <= row_tokens for r in rows):
            return rows
    return [[e] for e in ordered]


def _row(group: list[Example], share_prefix: bool) -> tuple[list[int], list[int], list[int], list[int]]:
    """ids, positions, segment ids (0 = shared prefix, k = k-th example) and targets of one row."""
    p = _shared_prefix(group) if share_prefix else 0
    first = group[0].ids
    ids, pos, seg, tgt = list(first[:p]), list(range(p)), [0] * p, [IGNORE] * p
    for k, ex in enumerate(group, start=1):
        n = len(ex.ids)
        for i in range(p, n):
            ids.append(ex.ids[i])
            pos.append(i)
            seg.append(k)
            nxt = i + 1
            tgt.append(ex.ids[nxt] if nxt < n and nxt >= ex.prompt_len else IGNORE)
    return ids, pos, seg, tgt


def collate(rows: list[list[Example]], pad_id: int, share_prefix: bool = True) -> Batch:
    built = [_row(g, share_prefix) for g in rows]
    width = -(-max(len(r[0]) for r in built) // 8) * 8  # aligned rows keep fused attention kernels usable
    n = len(built)
    input_ids = torch.full((n, width), pad_id, dtype=torch.long)
    positions = torch.zeros((n, width), dtype=torch.long)
    segments = torch.full((n, width), -1, dtype=torch.long)
    targets = torch.full((n, width), IGNORE, dtype=torch.long)
    for r, (ids, pos, seg, tgt) in enumerate(built):
        k = len(ids)
        input_ids[r, :k] = torch.tensor(ids)
        positions[r, :k] = torch.tensor(pos)
        segments[r, :k] = torch.tensor(seg)
        targets[r, :k] = torch.tensor(tgt)
        positions[r, k:] = torch.arange(width - k)  # padding: its own block, attends to itself only
    q_seg, k_seg = segments[:, :, None], segments[:, None, :]
    causal = torch.ones(width, width, dtype=torch.bool).tril()
    allowed = causal & ((q_seg == k_seg) | ((k_seg == 0) & (q_seg > 0)))
    examples = [e for g in rows for e in g]
    spans = []
    for g, (_, _, seg, _) in zip(rows, built, strict=True):
        p = seg.count(0)  # the shared prefix _row laid out (segment 0)
        spans.append((p, [len(e.ids) - p for e in g]))
    return Batch(input_ids, positions, allowed[:, None], targets, len(examples),
                 sum(e.billed_tokens for e in examples), build_layout(spans, width))


def batches(examples: Sequence[Example], batch_size: int, row_tokens: int, pad_id: int,
            rng: random.Random | None, share_prefix: bool = True) -> list[Batch]:
    """One epoch: shuffle (when rng is given), take batch_size examples per step, pack each step."""
    order = list(examples)
    if rng is not None:
        rng.shuffle(order)
    out = []
    for i in range(0, len(order), batch_size):
        step = order[i : i + batch_size]
        out.append(collate(plan_rows(step, row_tokens, share_prefix), pad_id, share_prefix))
    return out
