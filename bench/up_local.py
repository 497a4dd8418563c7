"""Wall time and SQL round trips of the `local` stack: `up` from empty, then a no-op `up`.

Starts its own emulator in a temporary directory (stub engine by default; `--engine lora` trains for
real), seeds the demo data as `scripts/local_emulator.py seed` does, copies the project with its
`local` stack pointed at that emulator, and runs the offline runner's `up` twice. Round trips are the
statements the emulator's query log holds for the stack's account during each run. The provider's
job polling keeps its defaults (what `scripts/up-local.sh` gives a user) unless `--poll` is set.

    python bench/up_local.py [--engine stub|lora] [--poll SECONDS]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Emulator  # noqa: E402
from tests.e2e.support import copy_project, run_verb, seed_demo  # noqa: E402

ACCOUNT = "LOCAL"


def kind(statement: str) -> str:
    head = statement.lstrip().upper()
    verb = re.search(r"FINETUNE\(\s*'(\w+)'", head)
    return f"FINETUNE {verb.group(1)}" if verb else (head.split() or ["?"])[0]


def measure(emu: Emulator, project: Path, label: str) -> tuple[float, int]:
    before = len(emu.query_log(ACCOUNT))
    start = time.monotonic()
    result = run_verb(project, "up")
    wall = time.monotonic() - start
    if not result.ok:
        sys.exit(f"{label}: up failed: {result.errors}")
    sql = [e["statement"] for e in emu.query_log(ACCOUNT)[before:]]
    ops = Counter(s.op for s in result.steps if s.custom)
    by_kind = Counter(kind(s) for s in sql)
    detail = ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items())) or "none"
    print(f"{label:<16} {wall:6.1f} s wall  {len(sql):3d} SQL round trips  "
          f"(steps: {', '.join(f'{n} {op}' for op, n in sorted(ops.items()))}; SQL: {detail})")
    return wall, len(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="stub", choices=["stub", "lora"])
    parser.add_argument("--poll", type=float, default=None,
                        help="CORTEX_PROVIDER_POLL_INITIAL_S for the provider (default: its own, 5 s)")
    args = parser.parse_args()
    os.environ.setdefault("PULUMI_CONFIG_PASSPHRASE", "bench")
    if args.poll is not None:
        os.environ["CORTEX_PROVIDER_POLL_INITIAL_S"] = str(args.poll)
        os.environ["CORTEX_PROVIDER_POLL_MAX_S"] = str(max(args.poll, 1.0))
    with tempfile.TemporaryDirectory(prefix="bench-up-local-") as tmp:
        emu = Emulator(Path(tmp) / "data", engine=args.engine)
        emu.start(timeout=120)
        try:
            seed_demo(emu.port)
            project = copy_project(Path(tmp) / "project", emu.port)
            poll = os.environ.get("CORTEX_PROVIDER_POLL_INITIAL_S", "5 (default)")
            print(f"stack `local` (stacks/Pulumi.local.yaml), engine {args.engine}, "
                  f"job poll {poll} s, {os.cpu_count()} CPUs")
            measure(emu, project, "up from empty")
            measure(emu, project, "no-op up")
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
