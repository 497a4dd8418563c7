"""Our 1,000-resource mixed stack against Pulumi's own floor, in one run: ratios per verb.

Two stacks on the real engine (the `pulumi` CLI through the Automation API, file backends, inline
programs), measured interleaved in the same run so load from other jobs hits both alike:
- **ours**: bench/scale_preview.py's mixed stack (grants to roles, a tenth views, 3 FineTunedModels and
  their ModelUsageGrants) against a fresh emulator (stub engine);
- **floor**: the same number of trivial dynamic resources whose provider does nothing (no SQL, no
  validation): what the engine, the Python SDK and the dynamic-provider plugin cost by themselves.

Per verb (`up` from empty, no-op `preview`, `refresh`): wall time of each, the ratio, and where our
provider's time went (CORTEX_PROVIDER_TIMINGS: seconds inside Check/Diff/Read/Create -- validation, SQL,
parsing --, SQL round trips, connection logins, restoring the pickled provider), plus each stack's
checkpoint size and the provider process's import time. Last line: `floor ratios: up X, preview Y,
refresh Z` (ours / floor). Goal: up <= 1.25, preview <= 1.25, refresh <= 2.0.

Our provider polls the stub's jobs (they train in ~0.2 s) first at --poll seconds (0.25; the provider's
own default for a real account is 5), backing off to 3 s; `up's tail` is the time from our last
CortexUserGrant's GRANT to `up`'s last statement (the models' polls and their usage grants).

    python bench/scale_floor.py [--resources 1000] [--repeat 1] [--poll 0.25] [--env PULUMI_SKIP_CHECKPOINTS=true]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from floor_provider import Floor  # noqa: E402
from scale_preview import ACCOUNT, MODELS, program  # noqa: E402

from cortex_provider.engine.verbs import open_stack, run_verb  # noqa: E402
from tests.conftest import Emulator  # noqa: E402

VERBS = ("up", "preview", "refresh")
GOALS = {"up": 1.25, "preview": 1.25, "refresh": 2.0}


def floor_program(n: int) -> Callable[[], None]:
    def run() -> None:
        for i in range(n):
            Floor(f"floor-{i}", f"FLOOR_ROLE_{i:05d}")
    return run


def checkpoint_kib(proj: Path) -> float:
    return sum(f.stat().st_size for f in (proj / ".state").rglob("*.json") if "/stacks/" in str(f)) / 1024


def provider_times(folder: Path) -> dict[str, dict[str, float]]:
    """Sum of every provider process's totals written under `folder`, then empty it."""
    total: dict[str, dict[str, float]] = {}
    for f in folder.glob("provider-*.json"):
        for name, v in json.loads(f.read_text()).items():
            t = total.setdefault(name, {"calls": 0, "seconds": 0.0})
            t["calls"] += v["calls"]
            t["seconds"] += v["seconds"]
        f.unlink()
    return total


def import_s(modules: str) -> float:
    """Seconds a fresh interpreter takes to import `modules` (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", f"import {modules}"], check=True, cwd=ROOT)
        best = min(best, time.monotonic() - start)
    return best


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def models_tail(sent: list[dict[str, object]]) -> float:
    """Seconds from the last GRANT to a role of CORTEX_USER to the last statement `up` sent."""
    from datetime import datetime

    grants = [e for e in sent if "CORTEX_USER" in str(e["statement"]).upper()
              and str(e["statement"]).upper().startswith("GRANT")]
    if not grants or not sent:
        return 0.0
    last = max(sent, key=lambda e: str(e["ts"]))
    end = datetime.fromisoformat(str(last["ts"])).timestamp() + float(str(last.get("duration_ms") or 0)) / 1000
    return end - datetime.fromisoformat(str(max(str(e["ts"]) for e in grants))).timestamp()


def uptime() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=1, help="preview and refresh runs per stack (median)")
    ap.add_argument("--poll", type=float, default=0.25, metavar="SECONDS",
                    help="CORTEX_PROVIDER_POLL_INITIAL_S for our provider (the stub's job trains ~0.2 s; "
                         "the provider's own default, for real accounts, is 5)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="engine setting for both stacks' CLI runs (e.g. PULUMI_SKIP_CHECKPOINTS=true)")
    args = ap.parse_args()
    n, views = args.resources, args.resources // 10
    extra = dict(item.split("=", 1) for item in args.env)
    print(f"scale_floor: {n} resources per stack, {os.cpu_count()} cores, {uptime()} at start"
          + (f", engine settings {extra}" if extra else ""), flush=True)
    times: dict[str, dict[str, list[float]]] = {"floor": {v: [] for v in VERBS}, "ours": {v: [] for v in VERBS}}
    sql: dict[str, int] = {}
    tail = 0.0
    kinds: dict[str, Counter[str]] = {}  # verb -> statements by their first two words (GRANT ..., SHOW VIEWS)
    cpus: dict[str, dict[str, tuple[float, ...]]] = {"floor": {}, "ours": {}}
    spent: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        timings = work / "timings"
        timings.mkdir()
        emu = Emulator(work / "data", engine="stub", catalogue="current")
        emu.start()
        try:
            # the demo table the views read (the stack deploys as ADMIN: no deployer role is needed)
            subprocess.run([sys.executable, str(ROOT / "scripts" / "local_emulator.py"), "seed", "--port",
                            str(emu.port), "--account", ACCOUNT], check=True, cwd=ROOT, capture_output=True,
                           env={**os.environ, "SNOWFLAKE_PASSWORD": "admin"})
            roles = [f"SCALE_ROLE_{i:05d}" for i in range(n)]
            with emu.connect(ACCOUNT, password="admin") as conn:
                cur = conn.cursor()
                cur.execute("CREATE SCHEMA IF NOT EXISTS CORTEX_DEMO.MODELS")
                for role in roles:
                    cur.execute(f"CREATE ROLE {role}")
            stacks = {}
            for name in ("floor", "ours"):
                proj = work / name
                (proj / ".state").mkdir(parents=True)
                (proj / "Pulumi.yaml").write_text(f"name: scale-{name}\nruntime: python\n")
                env = {"PULUMI_BACKEND_URL": f"file://{proj / '.state'}", "PULUMI_CONFIG_PASSPHRASE": "bench",
                       **extra}
                if name == "ours":
                    env |= {"SNOWFLAKE_ACCOUNT": ACCOUNT, "SNOWFLAKE_USER": "ADMIN", "SNOWFLAKE_PASSWORD": "admin",
                            "SNOWFLAKE_HOST": emu.host, "SNOWFLAKE_PORT": str(emu.port),
                            "SNOWFLAKE_PROTOCOL": "http", "CORTEX_PROVIDER_TIMINGS": str(timings),
                            # the stub's jobs train in ~0.2 s: the first poll (after the DESCRIBE that
                            # follows FINETUNE) at --poll, backing off to 3 s as command (1) does
                            "CORTEX_PROVIDER_POLL_INITIAL_S": str(args.poll), "CORTEX_PROVIDER_POLL_MAX_S": "3"}
                    prog = lambda: program(roles, views)  # noqa: E731
                else:
                    env["PYTHONPATH"] = str(ROOT / "bench")  # the provider process imports floor_provider
                    prog = floor_program(n)
                stacks[name] = (proj, open_stack(proj, "bench", env=env, program=prog))
            for i, verb in enumerate(VERBS):
                order = ("floor", "ours") if i % 2 == 0 else ("ours", "floor")
                for rep in range(1 if verb == "up" else args.repeat):
                    for name in order if rep % 2 == 0 else order[::-1]:
                        proj, stack = stacks[name]
                        before = len(emu.query_log(ACCOUNT))
                        assert emu.proc is not None
                        emu_cpu = cpu_s(emu.proc.pid)
                        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
                        start = time.monotonic()
                        result = run_verb(stack, verb, printer=lambda _line: None)
                        wall = time.monotonic() - start
                        if not result.ok:
                            sys.exit(f"{name} {verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
                        if verb == "preview" and set(result.summary) != {"same"}:
                            sys.exit(f"{name} preview is not a no-op: {result.summary}")
                        times[name][verb].append(wall)
                        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
                        # the CLI and its plugin processes (reaped children), and this process (the program)
                        cpus[name][verb] = tuple(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime
                                                 for a, b in zip(cpu0, cpu1, strict=True))
                        if name == "ours":
                            sent = emu.query_log(ACCOUNT)[before:]
                            sql[verb] = len(sent)
                            if verb == "up":
                                tail = models_tail(sent)
                            kinds[verb] = Counter(" ".join(str(e["statement"]).split()[:2]).upper() for e in sent)
                            spent.setdefault(verb, {}).update(provider_times(timings))
                            spent[verb]["emulator cpu"] = {"calls": 1, "seconds": cpu_s(emu.proc.pid) - emu_cpu}
                        print(f"  {verb:8} {name:6} {wall:7.1f} s   ({uptime()})", flush=True)
            sizes = {name: checkpoint_kib(proj) for name, (proj, _stack) in stacks.items()}
        finally:
            emu.stop()
    floor_import = import_s("pulumi.dynamic")
    ours_import = import_s("pulumi.dynamic, cortex_provider.pulumi.grants, cortex_provider.pulumi.training_view, "
                           "cortex_provider.pulumi.finetuned_model")
    connector_import = import_s("snowflake.connector") - import_s("sys")
    count = n - views - 2 * MODELS
    print(f"\nours: {count} CortexUserGrants, {views} TrainingViews, {MODELS} FineTunedModels + {MODELS} "
          f"ModelUsageGrants (stub engine); floor: {n} dynamic resources whose provider does nothing")
    print(f"{'verb':8} {'floor s':>8} {'ours s':>8} {'ratio':>6} {'goal':>5} {'SQL':>5}   our provider's own time "
          "(sum over its threads)")
    ratios = {}
    for verb in VERBS:
        f, o = statistics.median(times["floor"][verb]), statistics.median(times["ours"][verb])
        ratios[verb] = o / f
        parts = spent.get(verb, {})
        where = ", ".join(f"{k} {v['calls']:.0f} x {1000 * v['seconds'] / max(v['calls'], 1):.1f} ms"
                          f" = {v['seconds']:.1f} s" for k, v in sorted(parts.items())
                          if k not in ("process", "cpu", "emulator cpu") and v["calls"])
        cpu = {k: parts[k]["seconds"] for k in ("cpu", "emulator cpu") if k in parts}
        where += (f"; CPU: provider process {cpu.get('cpu', 0):.1f} s, emulator {cpu.get('emulator cpu', 0):.1f} s"
                  if cpu else "")
        print(f"{verb:8} {f:8.1f} {o:8.1f} {o / f:6.2f} {GOALS[verb]:5.2f} {sql.get(verb, 0):5d}   {where or '-'}")
    for verb in VERBS:
        if kinds.get(verb):
            print(f"SQL {verb:8}: " + ", ".join(f"{k} {c}" for k, c in kinds[verb].most_common(8)))
    for verb in VERBS:
        (fe, fp), (oe, op) = cpus["floor"][verb], cpus["ours"][verb]
        emu_s = spent.get(verb, {}).get("emulator cpu", {}).get("seconds", 0.0)
        print(f"CPU {verb:8}: floor engine+provider {fe:5.1f} s, program {fp:4.1f} s; "
              f"ours engine+provider {oe:5.1f} s, program {op:4.1f} s, emulator {emu_s:5.1f} s")
    print(f"up's tail: {tail:.1f} s from our last CortexUserGrant's GRANT to the last statement (the models' "
          f"FINETUNE polls and usage grants; first poll at {args.poll:g} s)")
    print(f"checkpoint: floor {sizes['floor']:,.0f} KiB ({1024 * sizes['floor'] / n:,.0f} B per resource), ours "
          f"{sizes['ours']:,.0f} KiB ({1024 * sizes['ours'] / n:,.0f} B per resource)")
    print(f"provider process import: floor (pulumi.dynamic) {floor_import:.2f} s, ours (+ provider modules) "
          f"{ours_import:.2f} s, + the connector (on the first SQL only) {connector_import:.2f} s")
    print(f"{uptime()} at end")
    print(f"floor ratios: up {ratios['up']:.2f}, preview {ratios['preview']:.2f}, refresh {ratios['refresh']:.2f}")


if __name__ == "__main__":
    main()
