"""Helpers for tests/engines: a tiny random LlamaForCausalLM and a byte-level chat tokenizer built in
code, so plumbing tests of the `lora` engine take seconds, with no download and no conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from cortex_local.engines.lora import LoraEngine

CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<pad>",
                                   additional_special_tokens=["<|im_start|>"])
    fast.chat_template = CHATML
    return fast


def tiny_model(vocab_size: int, seed: int = 0) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                      tie_word_embeddings=True)
    cfg._attn_implementation = "sdpa"
    return LlamaForCausalLM(cfg).eval()


class TinyEngine(LoraEngine):
    """The real engine with the tiny model and tokenizer swapped in (fp32, CPU)."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir, device="cpu", warm_after_training=True)  # as the emulator runs it
        self.dtype = torch.float32
        self._tok = tiny_tokenizer()
        self.base_loads = 0

    def load_base(self) -> Any:
        self.base_loads += 1
        return tiny_model(len(self._tok))
