"""Training throughput: the `lora` engine vs a plain transformers+peft padded batch-8 loop.

Same model, same synthetic extraction rows (chat-formatted identically), same LoRA config (r=8,
alpha 16, dropout 0.05 on q/k/v/o), same epochs. Each side runs in its own child process so its
peak RSS is its own. Tokens/s counts the chat-formatted tokens of the data (what an unpacked loop
really runs), over the training loop's wall time (model loading excluded on both sides).

Both sides run --repeat times, interleaved (B E, E B, B E, ...) so a shared machine's load falls on
both alike; the figure is the median of the per-pair ratios, with their min and max.

    python bench/train_throughput.py                  # 200 rows, 1 epoch, 3 pairs, CPU (~15 min)
    python bench/train_throughput.py --rows 48        # quicker
    python bench/train_throughput.py --device cuda --rows 2000 --random-init
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PEAK_TFLOPS = {"cuda": 790.0}  # measured bf16 dense matmul on the lent H100/H200 (KINDS.md)


def _engine(args: argparse.Namespace) -> Any:
    from cortex_local.engines import local_model as lm
    from cortex_local.engines.lora import LoraEngine

    class BenchEngine(LoraEngine):
        def load_base(self) -> Any:
            return _load_model(args, self.device, self.dtype) if args.random_init else super().load_base()

        def train_config(self, options: dict[str, Any], n_rows: int) -> Any:
            cfg = super().train_config(options, n_rows)
            if args.row_tokens:
                cfg.row_tokens = args.row_tokens
            return cfg

    del lm
    return BenchEngine(args.data_dir, device=args.device)


def _load_model(args: argparse.Namespace, device: Any, dtype: Any) -> Any:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from cortex_local.engines import local_model as lm

    cache = lm.default_cache_dir(args.data_dir)
    if not args.random_init:
        return lm.load_model(cache, device, dtype)
    config = AutoConfig.from_pretrained(str(cache / f"{lm.MODEL_ID}-fp32"))
    config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config, dtype=dtype).to(device).eval()


def _rows(n: int) -> list[tuple[str, str]]:
    from cortex_local.engines.synthetic import extraction_pairs

    return extraction_pairs(n, seed=1)


def run_engine(args: argparse.Namespace) -> dict[str, Any]:
    from cortex_local.engines.base import TrainingJob

    eng = _engine(args)
    rows = _rows(args.rows)
    examples = eng.encode_rows(rows)
    opts: dict[str, Any] = {"max_epochs": args.epochs}
    if args.batch_size:
        opts["batch_size"] = args.batch_size
    out = Path(args.data_dir) / "bench-adapter"

    class Quiet:
        def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
            pass

    if args.warmup:  # CUDA context, cuBLAS handles and kernel caches: not what is being measured
        eng.train(TrainingJob("warm", "mistral-7b", "DB.S.M", rows[:64], [], dict(opts, max_epochs=1), out),
                  Quiet())
    job = TrainingJob("bench", "mistral-7b", "DB.S.M", rows, [], opts, out)
    res = eng.train(job, Quiet())
    secs = res.details["train_seconds"]
    return {"seconds": secs, "real_tokens": sum(len(e.ids) for e in examples) * args.epochs,
            "billed_tokens": res.trained_tokens, "computed_tokens": res.details["computed_tokens"],
            "dtype": res.details["dtype"], "batch_size": res.details["batch_size"],
            "final_loss": res.training_loss}


def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The naive loop: random batches of 8, right-padded, HF loss over full logits, prompt masked."""
    import torch

    from cortex_local.engines.lora_train import TrainConfig, add_lora

    eng = _engine(args)  # only for its tokenizer/encoding and device
    examples = eng.encode_rows(_rows(args.rows))
    dtype = torch.bfloat16 if eng.device.type == "cuda" else torch.float32
    model = add_lora(_load_model(args, eng.device, dtype), TrainConfig())
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3, weight_decay=0.0)
    pad = eng.tokenizer().pad_token_id
    rng = random.Random(0)
    model.train()
    last = 0.0
    for epoch in range(args.epochs + (1 if args.warmup else 0)):
        if epoch == (1 if args.warmup else 0):
            _sync(eng.device)
            start = time.perf_counter()
        order = list(examples)
        rng.shuffle(order)
        stop = len(order) if epoch or not args.warmup else min(len(order), 8 * args.baseline_batch)
        for i in range(0, stop, args.baseline_batch):
            chunk = order[i : i + args.baseline_batch]
            width = max(len(e.ids) for e in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            labels = torch.full((len(chunk), width), -100, dtype=torch.long)
            for r, e in enumerate(chunk):
                ids[r, : len(e.ids)] = torch.tensor(e.ids)
                mask[r, : len(e.ids)] = 1
                labels[r, e.prompt_len : len(e.ids)] = torch.tensor(e.ids[e.prompt_len :])
            out = model(input_ids=ids.to(eng.device), attention_mask=mask.to(eng.device),
                        labels=labels.to(eng.device))
            out.loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            last = float(out.loss.detach())
    _sync(eng.device)
    secs = time.perf_counter() - start
    return {"seconds": secs, "real_tokens": sum(len(e.ids) for e in examples) * args.epochs,
            "billed_tokens": sum(e.billed_tokens for e in examples) * args.epochs,
            "computed_tokens": None, "dtype": str(dtype).removeprefix("torch."),
            "batch_size": args.baseline_batch, "final_loss": last}


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def _child(args: argparse.Namespace) -> None:
    import torch

    from cortex_local.engines import local_model as lm

    lm.bound_threads()
    result = run_engine(args) if args.only == "engine" else run_baseline(args)
    result["threads"] = torch.get_num_threads()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.device == "cuda":
        result["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
        result["params"] = 134_515_008  # SmolLM2-135M
    print("RESULT " + json.dumps(result), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--batch-size", type=int, default=0, help="engine examples per step (default: engine's)")
    ap.add_argument("--baseline-batch", type=int, default=8)
    ap.add_argument("--row-tokens", type=int, default=0, help="engine packed-row length (default: engine's)")
    ap.add_argument("--warmup", action="store_true", help="untimed warm-up steps first (use on CUDA)")
    ap.add_argument("--random-init", action="store_true", help="SmolLM2-shaped random weights (no GGUF)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs per side (median ratio)")
    ap.add_argument("--data-dir", default=os.environ.get("CORTEX_LOCAL_BENCH_DIR", "/tmp/cortex-bench"))
    ap.add_argument("--only", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only:
        _child(args)
        return
    import platform
    import statistics

    # the engine's OpenMP policy (cortex_local/engines/__init__.py) for both sides, before torch loads
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "engine": []}
    load0 = os.getloadavg()[0]
    for rep in range(args.repeat):
        order = ("baseline", "engine") if rep % 2 == 0 else ("engine", "baseline")
        for phase in order:
            if phase == "baseline" and args.skip_baseline:
                continue
            cmd = [sys.executable, __file__, "--only", phase, *sys.argv[1:]]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            if proc.returncode or not line:
                sys.exit(f"{phase} failed:\n{proc.stderr[-3000:]}")
            runs[phase].append(dict(json.loads(line[-1][7:]), load=os.getloadavg()[0]))
    print(f"train_throughput: {args.rows} rows x {args.epochs} epoch(s), device={args.device or 'auto'}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{'random-init' if args.random_init else 'SmolLM2-135M-Instruct'}, {args.repeat} interleaved "
          f"run(s) per side, OMP_WAIT_POLICY={env['OMP_WAIT_POLICY']}, load average {load0:.1f} at start")
    for phase in ("baseline", "engine"):
        for r in runs[phase]:
            print(_line(phase, r))
    if runs["baseline"]:
        ratios = [_tps(e) / _tps(b) for e, b in zip(runs["engine"], runs["baseline"], strict=True)]
        print(f"  speedup : median {statistics.median(ratios):.2f}x engine over baseline "
              f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x over {len(ratios)} interleaved pairs: "
              f"{', '.join(f'{x:.2f}' for x in ratios)})")


def _tps(r: dict[str, Any]) -> float:
    return float(r["real_tokens"]) / float(r["seconds"])


def _line(phase: str, r: dict[str, Any]) -> str:
    tps = _tps(r)
    line = (f"  {phase:8s}: {tps:9.1f} tokens/s ({r['real_tokens']} tokens in {r['seconds']:.1f} s; "
            f"billed {r['billed_tokens'] / r['seconds']:.1f}/s), {r['dtype']}, batch {r['batch_size']}, "
            f"threads {r['threads']}, peak RSS {r['peak_rss_mb']:.0f} MB, "
            f"final loss {r['final_loss']:.3f}, load {r['load']:.1f}")
    if r.get("computed_tokens"):
        line += f", computed tokens {r['computed_tokens']}"
    if "peak_cuda_mb" in r:
        mfu = 4 * r["params"] * tps / (PEAK_TFLOPS["cuda"] * 1e12)
        line += (f", peak GPU mem {r['peak_cuda_mb']:.0f} MB, "
                 f"MFU {mfu:.2%} (4*N FLOP/token vs 790 TFLOP/s)")
    return line

if __name__ == "__main__":
    main()
