"""Wall time and SQL round trips of the `local` stack on the real Pulumi engine: `up` from empty, then
a no-op `up`, and how much of the no-op is engine and plugin start-up.

Starts its own emulator in a temporary directory (stub engine by default; `--engine lora` trains for
real), seeds the demo data as `scripts/local_emulator.py seed` does, copies the project (tests/e2e/
engine.py's EngineProject) and runs `up` twice through cortex_provider.engine (Automation API over the
`pulumi` CLI). Round trips are the statements the emulator's query log holds for the stack's account
during each run. Start-up is measured on the same engine: `pulumi version` (the CLI alone) and a no-op
`up` of an empty program (CLI + inline language runtime + state, no provider plugin).

    python bench/up_local.py [--engine stub|lora] [--poll SECONDS]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cortex_provider.engine import find_pulumi, open_stack, run_verb  # noqa: E402
from tests.conftest import Emulator  # noqa: E402
from tests.e2e.engine import EngineProject  # noqa: E402
from tests.e2e.support import seed_demo  # noqa: E402

ACCOUNT = "LOCAL"


def kind(statement: str) -> str:
    head = statement.lstrip().upper()
    verb = re.search(r"FINETUNE\(\s*'(\w+)'", head)
    return f"FINETUNE {verb.group(1)}" if verb else (head.split() or ["?"])[0]


def measure(emu: Emulator, project: EngineProject, label: str) -> tuple[float, int]:
    before = len(emu.query_log(ACCOUNT))
    start = time.monotonic()
    result = project.run("up")
    wall = time.monotonic() - start
    if not result.ok:
        sys.exit(f"{label}: up failed:\n{result.stdout[-3000:]}")
    sql = [e["statement"] for e in emu.query_log(ACCOUNT)[before:]]
    by_kind = Counter(kind(s) for s in sql)
    detail = ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items())) or "none"
    steps = ", ".join(f"{n} {op}" for op, n in sorted(result.summary.items()))
    print(f"{label:<16} {wall:6.1f} s wall  {len(sql):3d} SQL round trips  (Pulumi: {steps}; SQL: {detail})")
    return wall, len(sql)


def startup(work: Path) -> None:
    binary = find_pulumi()
    t0 = time.monotonic()
    subprocess.run([str(binary), "version"], check=True, capture_output=True,
                   env={"PULUMI_SKIP_UPDATE_CHECK": "true", "PATH": ""})
    cli = time.monotonic() - t0
    proj = work / "empty"
    (proj / ".state").mkdir(parents=True)
    (proj / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    stack = open_stack(proj, "bench", env={"PULUMI_BACKEND_URL": f"file://{proj / '.state'}",
                                           "PULUMI_CONFIG_PASSPHRASE": "bench"}, program=lambda: None)
    run_verb(stack, "up", printer=lambda _line: None)
    t0 = time.monotonic()
    run_verb(stack, "up", printer=lambda _line: None)
    print(f"start-up: `pulumi version` {cli:.2f} s; no-op up of an empty program {time.monotonic() - t0:.1f} s "
          "(engine, inline language runtime, state; no provider plugin)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="stub", choices=["stub", "lora"])
    parser.add_argument("--poll", type=float, default=None,
                        help="CORTEX_PROVIDER_POLL_INITIAL_S for the provider (default: its own)")
    args = parser.parse_args()
    extra = {} if args.poll is None else {"CORTEX_PROVIDER_POLL_INITIAL_S": str(args.poll),
                                          "CORTEX_PROVIDER_POLL_MAX_S": str(max(args.poll, 1.0))}
    with tempfile.TemporaryDirectory(prefix="bench-up-local-") as tmp:
        emu = Emulator(Path(tmp) / "data", engine=args.engine, catalogue="current")
        emu.start(timeout=180)
        try:
            seed_demo(emu.port)
            project = EngineProject(Path(tmp) / "project", emu.port, fast_polls=False, extra_env=extra)
            print(f"stack `local` on the real engine (pulumi CLI {find_pulumi()}), emulator engine {args.engine}, "
                  f"job poll {args.poll or 'default'}")
            measure(emu, project, "up from empty")
            measure(emu, project, "no-op up")
            startup(Path(tmp))
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
