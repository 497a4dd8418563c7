"""Does the `lora` engine really learn? A format task on SmolLM2-135M-Instruct.

200 synthetic "Extract the condition from: ..." -> 4-key JSON pairs train an adapter; 10 held-out
prompts are completed before (base model) and after (adapter), counting valid JSON with exactly the
4 keys and exact matches.

    python bench/format_learning.py              # 1 epoch, ~2 min on a 2-core CPU
    python bench/format_learning.py --epochs 3
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cortex_local.engines.base import TrainingJob
from cortex_local.engines.lora import LoraEngine
from cortex_local.engines.synthetic import extraction_pairs, parse_extraction


class _Progress:
    def __init__(self) -> None:
        self.last = 0.0

    def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
        if progress - self.last >= 0.25 or validation_loss is not None:
            self.last = progress
            print(f"  progress {progress:.0%}, {trained_tokens} tokens"
                  + (f", validation loss {validation_loss:.4f}" if validation_loss is not None else ""))


def score(engine: LoraEngine, adapter: Path | None, held: list[tuple[str, str]]) -> tuple[int, int, str]:
    valid = exact = 0
    sample = ""
    for prompt, want in held:
        got = engine.complete("mistral-7b", adapter, prompt, 60)
        sample = sample or got
        parsed = parse_extraction(got)
        valid += parsed is not None
        exact += parsed == json.loads(want)
    return valid, exact, sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--held-out", type=int, default=10)
    ap.add_argument("--device", default=None)
    ap.add_argument("--data-dir", default=os.environ.get("CORTEX_LOCAL_BENCH_DIR", "/tmp/cortex-bench"))
    args = ap.parse_args()
    rows = extraction_pairs(args.rows + args.held_out, seed=2)
    train_rows, held = rows[: args.rows], rows[args.rows :]
    engine = LoraEngine(args.data_dir, device=args.device)
    t = time.perf_counter()
    valid, exact, sample = score(engine, None, held)
    print(f"before training: {valid}/{len(held)} valid JSON, {exact}/{len(held)} exact "
          f"({time.perf_counter() - t:.1f} s); e.g. {sample[:80]!r}")
    out = Path(tempfile.mkdtemp(prefix="format-learning-", dir=args.data_dir if os.path.isdir(args.data_dir)
                                else None))
    job = TrainingJob("bench", "mistral-7b", "DB.S.M", train_rows, held, {"max_epochs": args.epochs}, out)
    t = time.perf_counter()
    res = engine.train(job, _Progress())
    size = sum(f.stat().st_size for f in out.iterdir())
    print(f"trained {args.rows} rows x {args.epochs} epoch(s) in {time.perf_counter() - t:.1f} s "
          f"({res.details['train_seconds']} s in the loop, {res.details['dtype']}): "
          f"{res.trained_tokens} trained tokens, training loss {res.training_loss:.4f}, "
          f"validation loss {res.validation_loss:.4f}; adapter {size / 1e6:.1f} MB "
          f"({', '.join(sorted(f.name for f in out.iterdir()))})")
    t = time.perf_counter()
    valid, exact, sample = score(engine, out, held)
    print(f"after training:  {valid}/{len(held)} valid JSON, {exact}/{len(held)} exact "
          f"({time.perf_counter() - t:.1f} s); e.g. {sample[:100]!r}")


if __name__ == "__main__":
    main()
