"""LoRA's input dropout, drawing a random number per dropped element instead of per element.

peft's `lora_dropout` is `nn.Dropout(p)`: one Bernoulli draw for every input element of every adapted
module (q, k, v and o in each layer). On a CPU that draw was 8-9% of a training step of the 135M model
(torch's CPU generator makes ~90M numbers/s). With p = 0.05 only 1 element in 20 is dropped, so this
module draws the gaps between dropped elements instead: gaps of a Bernoulli(p) process are i.i.d.
Geometric(p), so the dropped positions have exactly nn.Dropout's distribution (each element
independently with probability p), from ~p x n random numbers. Kept elements are scaled by 1/(1-p)
as nn.Dropout does; the backward pass is autograd's for a multiplication by a constant mask.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

# Draw this many more gaps than the expected number (plus a margin of standard deviations), then top
# up in the rare case the positions did not reach the end of the tensor.
_MARGIN_SD = 6.0


def dropped_positions(n: int, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Positions in [0, n) each dropped independently with probability p (0 < p < 1), as int64."""
    found: list[torch.Tensor] = []
    start = -1  # position of the last drop so far (before the tensor)
    while True:
        mean = (n - start) * p
        draws = max(16, int(mean + _MARGIN_SD * math.sqrt(mean * (1 - p)) + 1))
        # Geometric(p) on {1, 2, ...} by inversion: 1 + floor(log(U) / log(1 - p)), U uniform on (0, 1]
        # (1 - rand keeps log finite); twice as fast as torch's geometric_ on a CPU.
        u = 1.0 - torch.rand(draws, dtype=torch.float64, generator=generator)
        gaps = (torch.log(u) / math.log1p(-p)).floor_().to(torch.int64) + 1
        pos = start + torch.cumsum(gaps, 0)
        inside = pos[pos < n]
        found.append(inside)
        if inside.numel() < pos.numel():  # the last draw passed the end: every drop before n is known
            return torch.cat(found)
        start = int(pos[-1])


class SparseDropout(nn.Module):
    """Drop-in for nn.Dropout(p) in training mode; the identity in eval mode or when p == 0."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        out = x.contiguous() * (1.0 / (1.0 - self.p))  # a new tensor: zeroing it leaves x alone
        out.view(-1).index_fill_(0, dropped_positions(x.numel(), self.p).to(x.device), 0.0)
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}"


def use_sparse_dropout(model: Any) -> int:
    """Replace every LoRA layer's nn.Dropout with SparseDropout of the same p; returns how many."""
    swapped = 0
    for module in model.modules():
        drops = getattr(module, "lora_dropout", None)
        if not isinstance(drops, nn.ModuleDict):
            continue
        for name, drop in list(drops.items()):
            if isinstance(drop, nn.Dropout) and drop.p > 0:
                drops[name] = SparseDropout(drop.p)
                swapped += 1
    return swapped
