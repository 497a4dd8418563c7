"""The LoRA training loop over packed batches: model-agnostic, so tests drive it with a tiny model.

The loss is computed from the last hidden states at completion positions only, through the LM head in
chunks, so the [tokens x vocabulary] logits of a batch never exist in full (on the 49k-token
vocabulary they, not the model, are the memory wall on a GPU).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from cortex_local.engines.lora_attention import segments, use_segment_attention
from cortex_local.engines.lora_data import IGNORE, Batch, Example, batches
from cortex_local.engines.lora_dropout import use_sparse_dropout

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")
LOSS_CHUNK = 4096  # completion positions per LM-head chunk


@dataclass
class TrainConfig:
    epochs: int = 1
    learning_rate: float = 2e-3
    batch_size: int = 8  # examples per optimizer step
    row_tokens: int = 512  # computed tokens per packed row
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    seed: int = 0
    share_prefix: bool = True
    segment_attention: bool = True  # attention per packed segment (lora_attention), not over whole rows


@dataclass
class TrainStats:
    training_loss: float | None = None
    validation_loss: float | None = None
    billed_tokens: int = 0  # input tokens x epochs, as Cortex bills
    computed_tokens: int = 0  # tokens the model really ran (after prefix sharing)
    seconds: float = 0.0
    steps: int = 0
    epoch_losses: list[float] = field(default_factory=list)


# progress in [0, 1], billed tokens so far, validation loss when one was just computed
StepCallback = Callable[[float, int, float | None], None]


def add_lora(model: Any, cfg: TrainConfig) -> Any:
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(cfg.seed)
    if cfg.segment_attention:
        use_segment_attention(model)
    config = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                        target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    use_sparse_dropout(peft_model)  # same distribution as peft's nn.Dropout, ~20x fewer random draws
    return peft_model


def _causal_lm(model: Any) -> Any:
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def completion_loss_sum(model: Any, batch: Batch) -> tuple[torch.Tensor, int]:
    """Sum of next-token cross-entropy over completion targets, and how many there were."""
    lm = _causal_lm(model)
    with segments(batch.layout):  # used only where the model runs cortex_segments attention
        hidden = lm.model(input_ids=batch.input_ids, position_ids=batch.position_ids,
                          attention_mask=batch.attention_mask, use_cache=False).last_hidden_state
    sel = batch.targets != IGNORE
    h, y = hidden[sel], batch.targets[sel]
    head = lm.get_output_embeddings()

    def chunk_loss(hc: torch.Tensor, yc: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(head(hc).float(), yc, reduction="sum")

    if h.shape[0] <= LOSS_CHUNK:
        return chunk_loss(h, y), int(y.numel())
    total = h.new_zeros((), dtype=torch.float32)
    for hc, yc in zip(h.split(LOSS_CHUNK), y.split(LOSS_CHUNK), strict=True):
        total = total + checkpoint(chunk_loss, hc, yc, use_reentrant=False)  # logits recomputed in backward
    return total, int(y.numel())


@torch.no_grad()
def evaluate(model: Any, examples: Sequence[Example], cfg: TrainConfig, pad_id: int,
             device: torch.device) -> float | None:
    """Mean per-token completion loss over `examples` (None when there are none)."""
    if not examples:
        return None
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for b in batches(examples, max(cfg.batch_size, 16), cfg.row_tokens, pad_id, None, cfg.share_prefix):
        s, n = completion_loss_sum(model, b.to(device))
        total, count = total + float(s), count + n
    model.train(was_training)
    return total / max(count, 1)


def train(model: Any, train_ex: Sequence[Example], val_ex: Sequence[Example], cfg: TrainConfig,
          pad_id: int, device: torch.device, on_step: StepCallback | None = None) -> TrainStats:
    """Train the (already LoRA-wrapped) model in place; on_step may raise to stop (JobCancelled)."""
    rng = random.Random(cfg.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=0.0)
    steps_per_epoch = max(1, math.ceil(len(train_ex) / cfg.batch_size))
    total_steps = steps_per_epoch * cfg.epochs
    stats = TrainStats()
    start = time.perf_counter()
    model.train()
    for _epoch in range(cfg.epochs):
        epoch_sum, epoch_n = 0.0, 0
        for i, b in enumerate(batches(train_ex, cfg.batch_size, cfg.row_tokens, pad_id, rng,
                                      cfg.share_prefix)):
            loss_sum, n = completion_loss_sum(model, b.to(device))
            (loss_sum / max(n, 1)).backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            epoch_sum, epoch_n = epoch_sum + float(loss_sum.detach()), epoch_n + n
            stats.steps += 1
            stats.billed_tokens += b.billed_tokens
            stats.computed_tokens += int(b.input_ids.numel())
            last = i == steps_per_epoch - 1
            val = evaluate(model, val_ex, cfg, pad_id, device) if last else None
            if val is not None:
                stats.validation_loss = val
            if on_step is not None:
                on_step(stats.steps / total_steps, stats.billed_tokens, val)
        stats.epoch_losses.append(epoch_sum / max(epoch_n, 1))
    stats.training_loss = stats.epoch_losses[-1] if stats.epoch_losses else None
    stats.seconds = time.perf_counter() - start
    return stats
