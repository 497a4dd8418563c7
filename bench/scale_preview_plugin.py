"""No-op preview and refresh of N resources through the real engine, both paths side by side:
the Python dynamic resources (provider pickled into each resource's state) and the `cortex` provider
plugin (plugin/pulumi-resource-cortex). Same program shape on each: N CortexUserGrant on N roles.

Each path gets its own project, file backend and roles in one temporary emulator (stub engine); the
program is an inline Python program run by the Automation API (the `pulumi` CLI, .venv/bin/pulumi).
Per verb: wall time and SQL round trips (statements in the emulator's query log); per path: state size.

    python bench/scale_preview_plugin.py [--resources 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pulumi  # noqa: E402
from pulumi import automation as auto  # noqa: E402

from cortex_provider.engine.verbs import open_stack, run_verb  # noqa: E402
from cortex_provider.pulumi.grants import CortexUserGrant  # noqa: E402
from tests.conftest import Emulator  # noqa: E402

ACCOUNT, PASSWORD = "BENCH", "bench-admin"


def program(path: str, roles: list[str]) -> Callable[[], None]:
    def run() -> None:
        for role in roles:
            if path == "dynamic":
                CortexUserGrant(f"user-{role.lower()}", role=role)
            else:
                pulumi.CustomResource("cortex:index:CortexUserGrant", f"user-{role.lower()}",
                                      {"role": role, "databaseRole": None, "preexisting": None})
    return run


def stack_for(work: Path, path: str, emu: Emulator, roles: list[str]) -> auto.Stack:
    proj = work / path
    proj.mkdir()
    plugin = f"plugins:\n  providers:\n    - name: cortex\n      path: {ROOT / 'plugin'}\n" if path == "plugin" else ""
    (proj / "Pulumi.yaml").write_text(f"name: scale-{path}\nruntime: python\n{plugin}")
    env = {"PATH": os.environ["PATH"], "PULUMI_BACKEND_URL": f"file://{proj / '.state'}",
           "PULUMI_CONFIG_PASSPHRASE": "bench"}
    (proj / ".state").mkdir()
    stack = open_stack(proj, "bench", env=env, program=program(path, roles))
    for key, value in {"account": ACCOUNT, "user": "ADMIN", "host": emu.host, "port": str(emu.port),
                       "protocol": "http"}.items():
        stack.set_config(f"cortex:{key}", auto.ConfigValue(value))
    stack.set_config("cortex:password", auto.ConfigValue(PASSWORD, secret=True))
    return stack


def measure(emu: Emulator, stack: auto.Stack, verb: str) -> tuple[float, int, dict[str, int]]:
    before = len(emu.query_log(ACCOUNT))
    start = time.monotonic()
    result = run_verb(stack, verb, printer=lambda _line: None)
    wall = time.monotonic() - start
    if not result.ok:
        sys.exit(f"{verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return wall, len(emu.query_log(ACCOUNT)) - before, result.summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        emu = Emulator(work / "data", engine="stub")
        emu.start()
        try:
            roles = {p: [f"{p[:3].upper()}_ROLE_{i:05d}" for i in range(args.resources)] for p in ("dynamic", "plugin")}
            with emu.connect(ACCOUNT, password=PASSWORD) as conn:
                cur = conn.cursor()
                for role in roles["dynamic"] + roles["plugin"]:
                    cur.execute(f"CREATE ROLE {role}")
            rows = []
            for path in ("dynamic", "plugin"):
                stack = stack_for(work, path, emu, roles[path])
                up = measure(emu, stack, "up")
                preview = measure(emu, stack, "preview")
                refresh = measure(emu, stack, "refresh")
                size = sum(f.stat().st_size for f in (work / path / ".state").rglob("*.json")
                           if "/stacks/" in str(f))
                assert preview[2].get("same") == args.resources + 1, preview[2]
                rows.append((path, up, preview, refresh, size))
        finally:
            emu.stop()
    print(f"{args.resources} CortexUserGrant resources, real engine ({os.path.basename(sys.executable)}, "
          f"pulumi CLI), emulator stub engine")
    print(f"{'path':8} {'up s':>8} {'preview s':>10} {'preview SQL':>12} {'refresh s':>10} {'refresh SQL':>12} "
          f"{'state KiB':>10}")
    for path, up, preview, refresh, size in rows:
        print(f"{path:8} {up[0]:8.1f} {preview[0]:10.1f} {preview[1]:12d} {refresh[0]:10.1f} {refresh[1]:12d} "
              f"{size / 1024:10.0f}")


if __name__ == "__main__":
    main()
