"""The model-based test on the real Pulumi engine, the full run: random sequences of spec
edits and verbs (up, preview then up, refresh, destroy, a second stack over the same names, export
then adopt, a SIGKILL of the CLI or the provider mid-up, the emulator stopped and started) against one
emulator (stub engine), each sequence in its own account; after every step the invariants of
tests/model_check/checks.py. Every violation is printed with its sequence, step and the steps that
reproduce it; the last line is the figure (goal: >= 300 steps, 0 violations).

    python bench/model_check.py [--sequences 10] [--steps 30] [--seed 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.model_check import model_check  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/model_check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--sequences", type=int, default=10)
    p.add_argument("--steps", type=int, default=30, help="steps per sequence")
    p.add_argument("--seed", type=int, default=20)
    p.add_argument("--quiet", action="store_true", help="print violations only, not every step")
    args = p.parse_args(argv)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="model-check-") as tmp:
        printer = (lambda line: print(line, flush=True) if line.startswith("VIOLATION") else None) \
            if args.quiet else (lambda line: print(line, flush=True))
        with model_check(Path(tmp), printer) as run:
            for index in range(args.sequences):
                run.sequence(args.seed, index, args.steps)
    by_invariant: dict[str, int] = {}
    for v in run.violations:
        by_invariant[v.invariant] = by_invariant.get(v.invariant, 0) + 1
    print("exercised: " + ", ".join(f"{what} {n}" for what, n in sorted(run.counts.items())))
    print(f"by invariant: {by_invariant or 'none'}; {time.monotonic() - start:.0f} s")
    print(f"model check: {run.sequences} sequences, {run.steps} steps, {len(run.violations)} violations")
    return 1 if run.violations else 0


if __name__ == "__main__":
    sys.exit(main())
