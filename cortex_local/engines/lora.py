"""The `lora` engine: real PEFT LoRA training and greedy COMPLETE on SmolLM2-135M-Instruct.

Every Cortex base model is stood in for by the same small local model (backing_model() says so).
Training packs examples so shared prefixes, padding and prompt logits cost nothing (lora_data), computes
attention only where the packing mask allows it (lora_attention), draws LoRA's dropout sparsely, runs
the frozen base in bf16 where the CPU has native bf16 (fp32 otherwise; bf16 on CUDA) with fp32 LoRA
weights, and saves only the adapter. COMPLETE keeps one inference base model with an LRU of adapters.

FINETUNE options read (others are ignored here; the job manager validates them):
  max_epochs     1-10; default as the stub engine's rule (3 below 1,000 rows, else 1)
  learning_rate  AdamW learning rate, default 2e-3
  batch_size     examples per optimizer step, default 8 (64 on CUDA)
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import peft  # noqa: F401  (imported here so load_engine reports missing extras up front)
import torch
import transformers  # noqa: F401

from cortex_local.engines import local_model as lm
from cortex_local.engines.base import ProgressReporter, TrainingJob, TrainingResult
from cortex_local.engines.lora_data import Example, encode
from cortex_local.engines.lora_train import TrainConfig, add_lora, train
from cortex_local.engines.stub import default_epochs

log = logging.getLogger("cortex_local.engines")
DTYPE_ENV = "CORTEX_LOCAL_DTYPE"  # "bf16" or "fp32" overrides the automatic choice
MAX_NEW_TOKENS = 512  # COMPLETE never generates more than this on the local stand-in
ADAPTER_CACHE = 4
# COMPLETE over many rows (one SQL statement) generates this many prompts at once: on a CPU a batch of
# 8 costs about what one prompt costs (generation is memory-bound), so a gate or a labelling run over
# rows is several times faster than row by row
COMPLETE_BATCH = 8
MAX_TRAIN_TOKENS = 2048  # per example, after chat formatting


def pick_dtype(device: torch.device) -> torch.dtype:
    """bf16 where the hardware runs it natively (2-3x fp32 matmul speed on AVX512-BF16), else fp32."""
    wanted = os.environ.get(DTYPE_ENV, "").lower()
    if wanted in ("fp32", "float32"):
        return torch.float32
    if wanted in ("bf16", "bfloat16") or device.type == "cuda":
        return torch.bfloat16
    try:
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a private probe: absent on some builds
        native = False
    return torch.bfloat16 if native else torch.float32


class LoraEngine:
    name = "lora"

    def __init__(self, data_dir: str | Path | None, device: str | None = None,
                 warm_after_training: bool = False) -> None:
        self.cache_dir = lm.default_cache_dir(data_dir)
        self.device = lm.pick_device(device)
        self.dtype = pick_dtype(self.device)
        if self.device.type == "cpu":
            lm.bound_threads()
        self._tok: Any = None
        self._tok_lock = threading.Lock()
        self._infer_lock = threading.Lock()
        self._base: Any = None  # inference base model, wrapped by PeftModel once an adapter is loaded
        self._peft: Any = None
        self._adapters: OrderedDict[str, str] = OrderedDict()  # adapter dir -> peft adapter name
        self._adapter_seq = 0
        # The emulator's engine loads each new model for inference when its job ends (the first COMPLETE
        # usually follows); benches and scripts that only train leave it off.
        self.warm_after_training = warm_after_training
        self.warming: threading.Thread | None = None  # the last job's warm_inference (tests join it)

    def backing_model(self, base_model: str) -> str:
        return lm.backing_model_name(base_model)

    def tokenizer(self) -> Any:
        with self._tok_lock:
            if self._tok is None:
                self._tok = lm.load_tokenizer(self.cache_dir)
            return self._tok

    def count_tokens(self, base_model: str, text: str) -> int:
        tok = self.tokenizer()
        with self._tok_lock:
            return len(tok(text or "", add_special_tokens=False)["input_ids"])

    def encode_rows(self, rows: list[tuple[str, str]]) -> list[Example]:
        tok = self.tokenizer()
        with self._tok_lock:
            return [encode(tok, p, c, MAX_TRAIN_TOKENS) for p, c in rows]

    # ---- training -------------------------------------------------------------------------------
    def train_config(self, options: dict[str, Any], n_rows: int) -> TrainConfig:
        cuda = self.device.type == "cuda"
        return TrainConfig(
            epochs=int(options.get("max_epochs") or default_epochs(n_rows)),
            learning_rate=float(options.get("learning_rate", 2e-3)),
            batch_size=int(options.get("batch_size", 64 if cuda else 8)),
            # a CPU step of 8 examples (~500 tokens) is one row: with attention per segment
            # (lora_attention) a longer row costs no more attention, and the shared prefix runs once
            row_tokens=1024,
            # measured on CPU only: the CUDA figures (bench/README) are the dense mask's, and no GPU was at
            # hand to measure segments there, so CUDA keeps the path that was measured
            segment_attention=not cuda,
        )

    def load_base(self) -> Any:
        """A fresh base model (one per training job, one for inference); tests and benches override it."""
        return lm.load_model(self.cache_dir, self.device, self.dtype)

    def train(self, job: TrainingJob, reporter: ProgressReporter) -> TrainingResult:
        reporter.report(0.0, 0)  # a job cancelled while queued stops here
        cfg = self.train_config(job.options, len(job.training_rows))
        train_ex = self.encode_rows(job.training_rows)
        val_ex = self.encode_rows(job.validation_rows)
        tok = self.tokenizer()
        t0 = time.perf_counter()
        model = add_lora(self.load_base(), cfg)
        reporter.report(0.0, 0)
        load_s = time.perf_counter() - t0
        try:
            stats = train(model, train_ex, val_ex, cfg, tok.pad_token_id, self.device,
                          lambda p, n, v: reporter.report(min(p, 1.0), n, v))
            out = Path(job.output_dir)
            out.mkdir(parents=True, exist_ok=True)
            model.save_pretrained(str(out))
            (out / "README.md").unlink(missing_ok=True)  # peft's model card: not part of the adapter
        finally:
            del model
            gc.collect()
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
        log.info("lora job %s: %d steps, %.1f s, %d tokens", job.job_id, stats.steps, stats.seconds,
                 stats.billed_tokens)
        # The first COMPLETE on a new model usually follows at once (README command (1) asks it): load the
        # inference base and this adapter now, while the job's SUCCESS travels to the caller.
        if self.warm_after_training:
            # not a daemon: a process that exits meanwhile waits the second it takes, where a daemon thread
            # inside torch at interpreter exit aborts the process ("terminate called ...")
            self.warming = threading.Thread(target=self.warm_inference, args=(out,), name=f"warm-{job.job_id}")
            self.warming.start()
        return TrainingResult(
            trained_tokens=stats.billed_tokens,
            validation_loss=stats.validation_loss,
            training_loss=stats.training_loss,
            details={
                "backing_model": self.backing_model(job.base_model), "epochs": cfg.epochs,
                "steps": stats.steps, "train_seconds": round(stats.seconds, 3),
                "chat_tokens": sum(len(e.ids) for e in train_ex) * cfg.epochs,
                "threads": torch.get_num_threads() if self.device.type == "cpu" else None,
                "load_seconds": round(load_s, 3), "computed_tokens": stats.computed_tokens,
                "device": self.device.type, "dtype": str(self.dtype).removeprefix("torch."),
                "learning_rate": cfg.learning_rate, "batch_size": cfg.batch_size,
                "epoch_losses": [round(x, 5) for x in stats.epoch_losses],
            },
        )

    # ---- inference ------------------------------------------------------------------------------
    def _model_for(self, adapter_dir: Path | None) -> Any:
        """The model to generate with, adapter activated; caller holds _infer_lock."""
        if self._base is None:
            self._base = self.load_base().eval()
        if adapter_dir is None:
            return None if self._peft is None else self._peft  # caller disables adapters on _peft
        key = str(Path(adapter_dir).resolve())
        name = self._adapters.get(key)
        if name is None:
            from peft import PeftModel

            self._adapter_seq += 1
            name = f"adapter{self._adapter_seq}"
            if self._peft is None:
                self._peft = PeftModel.from_pretrained(self._base, key, adapter_name=name)
            else:
                self._peft.load_adapter(key, adapter_name=name)
            self._peft.eval()
            self._adapters[key] = name
        self._adapters.move_to_end(key)
        self._peft.set_adapter(name)
        while len(self._adapters) > ADAPTER_CACHE:
            _, old = self._adapters.popitem(last=False)
            self._peft.delete_adapter(old)
        return self._peft

    def warm_inference(self, adapter_dir: Path) -> None:
        """Load the inference base model and `adapter_dir` into the adapter cache; errors only logged
        (COMPLETE would load them itself and report its own error)."""
        try:
            with self._infer_lock, torch.inference_mode():
                self._model_for(adapter_dir)
        except Exception:
            log.warning("warming inference for %s failed", adapter_dir, exc_info=True)

    def complete_many(self, base_model: str, adapter_dir: Path | None, prompts: list[str],
                      max_tokens: int) -> list[str]:
        """Greedy completions of several prompts, COMPLETE_BATCH at a time (left-padded, masked)."""
        out: list[str] = []
        for start in range(0, len(prompts), COMPLETE_BATCH):
            chunk = prompts[start:start + COMPLETE_BATCH]
            if len(chunk) == 1:
                out.append(self.complete(base_model, adapter_dir, chunk[0], max_tokens))
            else:
                out.extend(self._complete_batch(adapter_dir, chunk, max_tokens))
        return out

    def _complete_batch(self, adapter_dir: Path | None, prompts: list[str], max_tokens: int) -> list[str]:
        tok = self.tokenizer()
        with self._tok_lock:
            texts = [tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True,
                                             tokenize=False) for p in prompts]
            enc = tok(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        ids, mask = enc["input_ids"].to(self.device), enc["attention_mask"].to(self.device)
        new = max(1, min(int(max_tokens), MAX_NEW_TOKENS))
        with self._infer_lock, torch.inference_mode():
            model = self._model_for(adapter_dir)
            kwargs = dict(attention_mask=mask, max_new_tokens=new, do_sample=False, temperature=None, top_p=None,
                          top_k=None, pad_token_id=tok.pad_token_id)
            if model is None:
                gen = self._base.generate(ids, **kwargs)
            elif adapter_dir is None:
                with model.disable_adapter():
                    gen = model.generate(input_ids=ids, **kwargs)
            else:
                gen = model.generate(input_ids=ids, **kwargs)
        with self._tok_lock:
            return [str(tok.decode(row[ids.shape[1]:], skip_special_tokens=True)).strip() for row in gen]

    def complete(self, base_model: str, adapter_dir: Path | None, prompt: str, max_tokens: int) -> str:
        tok = self.tokenizer()
        with self._tok_lock:
            enc = tok.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                          return_tensors="pt", return_dict=True)
        ids = enc["input_ids"].to(self.device)
        new = max(1, min(int(max_tokens), MAX_NEW_TOKENS))
        with self._infer_lock, torch.inference_mode():
            model = self._model_for(adapter_dir)
            kwargs = dict(attention_mask=torch.ones_like(ids), max_new_tokens=new, do_sample=False,
                          temperature=None, top_p=None, top_k=None, pad_token_id=tok.pad_token_id)
            if model is None:
                out = self._base.generate(ids, **kwargs)
            elif adapter_dir is None:
                with model.disable_adapter():
                    out = model.generate(input_ids=ids, **kwargs)
            else:
                out = model.generate(input_ids=ids, **kwargs)
        with self._tok_lock:
            return str(tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)).strip()
