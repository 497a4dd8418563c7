"""SQL round trips of a no-op `refresh` + `preview` (Read, then Check + Diff) over a large stack, on the
real Pulumi engine.

Stack: 50 roles x (CortexUserGrant + ModelCreatorGrant + ModelUsageGrant) + 20 TrainingViews, in a
temporary emulator (`python -m cortex_local serve`, stub engine), declared by one Pulumi program and
run through cortex_provider.engine (Automation API over the `pulumi` CLI; the engine starts one
dynamic-provider process per operation, so nothing is cached across passes). Round trips are counted
from the emulator's query log; wall times are the engine's whole verb (start-up included).

    python bench/noop_refresh.py [--roles 50] [--views 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cortex_provider.engine import VerbResult  # noqa: E402
from tests.conftest import Emulator  # noqa: E402
from tests.e2e.programs import ProgramProject  # noqa: E402

ACCOUNT, PASSWORD = "BENCH", "bench-admin"
MODELS = ("BOT_A", "BOT_B")
VIEW_SCHEMAS = ("V1", "V2")
DDL = {"GRANT", "REVOKE", "CREATE", "DROP", "ALTER"}

PROGRAM = """\\
import json
from pathlib import Path

from cortex_provider.pulumi.grants import CortexUserGrant, ModelCreatorGrant, ModelUsageGrant
from cortex_provider.pulumi.training_view import TrainingView

KINDS = {"cortex": CortexUserGrant, "creator": ModelCreatorGrant, "usage": ModelUsageGrant, "view": TrainingView}
for name, kind, spec in json.loads(Path(__file__).with_name("resources.json").read_text()):
    KINDS[kind](name, **spec)
"""


def setup(conn: Any, roles: list[str]) -> None:
    cur = conn.cursor()
    for stmt in ["CREATE DATABASE BENCH", "CREATE SCHEMA BENCH.MODELS", "CREATE SCHEMA BENCH.DATA",
                 *(f"CREATE SCHEMA BENCH.{s}" for s in VIEW_SCHEMAS),
                 "CREATE TABLE BENCH.DATA.NOTES (ID INT, NOTE VARCHAR, LABEL VARCHAR)",
                 "INSERT INTO BENCH.DATA.NOTES SELECT i, 'note ' || i, 'label ' || (i % 7) "
                 "FROM (SELECT SEQ4() AS i FROM TABLE(GENERATOR(ROWCOUNT => 300)))",
                 *(f"CREATE ROLE {r}" for r in roles)]:
        cur.execute(stmt)
    for model in MODELS:
        cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', %s, 'mistral-7b', "
                    "'SELECT NOTE AS prompt, LABEL AS completion FROM BENCH.DATA.NOTES')", (f"BENCH.MODELS.{model}",))
        job = cur.fetchone()[0]
        while True:
            cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', %s)", (job,))
            status = cur.fetchone()[0]
            if '"SUCCESS"' in status:
                break
            if '"ERROR"' in status:
                sys.exit(f"FINETUNE failed: {status}")
            time.sleep(0.2)


def resources(roles: list[str], views: int) -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    for i, role in enumerate(roles):
        out.append((f"cortex-{role}", "cortex", {"role": role}))
        out.append((f"creator-{role}", "creator", {"role": role, "database": "BENCH", "schema": "MODELS"}))
        out.append((f"usage-{role}", "usage", {"role": role, "model": f"BENCH.MODELS.{MODELS[i % len(MODELS)]}"}))
    for v in range(views):
        out.append((f"view-{v}", "view",
                    {"database": "BENCH", "schema": VIEW_SCHEMAS[v % len(VIEW_SCHEMAS)], "name": f"TRAIN_{v}",
                     "source": "BENCH.DATA.NOTES", "prompt_expr": "NOTE", "completion_expr": "LABEL",
                     "where": f"ID % {views} = {v}", "base_model": "mistral-7b"}))
    return out


def timed(proj: ProgramProject, verb: str) -> tuple[VerbResult, float]:
    t0 = time.monotonic()
    result = proj.run(verb)
    if not result.ok:
        sys.exit(f"{verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return result, time.monotonic() - t0


def noop_pass(emu: Emulator, proj: ProgramProject, cache_ttl: str | None) -> dict[str, Any]:
    """refresh (Read of every resource) then preview (Check + Diff): SQL sent, DDL, planned changes."""
    env = proj.stack().workspace.env_vars
    env.pop("CORTEX_SHOW_CACHE_TTL_S", None)
    if cache_ttl is not None:
        env["CORTEX_SHOW_CACHE_TTL_S"] = cache_ttl
    before = len(emu.query_log(ACCOUNT))
    refreshed, refresh_s = timed(proj, "refresh")
    mid = len(emu.query_log(ACCOUNT))
    previewed, preview_s = timed(proj, "preview")
    sent = [str(e["statement"]) for e in emu.query_log(ACCOUNT)[before:]]
    env.pop("CORTEX_SHOW_CACHE_TTL_S", None)
    return {"sent": sent, "refresh_sql": mid - before, "preview_sql": len(sent) - (mid - before),
            "ddl": sum(s.split(None, 1)[0].upper() in DDL for s in sent),
            "changes": refreshed.changes + previewed.changes, "refresh_s": refresh_s, "preview_s": preview_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roles", type=int, default=50)
    parser.add_argument("--views", type=int, default=20)
    args = parser.parse_args()
    roles = [f"ROLE_{i:02d}" for i in range(args.roles)]
    stack = resources(roles, args.views)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        emu = Emulator(tmp / "data", engine="stub")
        emu.start()
        try:
            conn = emu.connect(account=ACCOUNT, password=PASSWORD)
            setup(conn, roles)
            proj = ProgramProject(tmp / "project", emu, ACCOUNT, "bench", PROGRAM, password=PASSWORD)
            (proj.dir / "resources.json").write_text(json.dumps(stack))
            up, create_s = timed(proj, "up")
            cached = noop_pass(emu, proj, None)
            uncached = noop_pass(emu, proj, "0")
        finally:
            emu.stop()
    n = len(stack)
    kinds = (f"{args.roles} CortexUserGrant + {args.roles} ModelCreatorGrant + {args.roles} ModelUsageGrant + "
             f"{args.views} TrainingView = {n} resources")
    print(f"stack: {kinds} (real engine: up from empty {create_s:.1f} s, {up.summary.get('create', 0)} created)")
    print(f"no-op refresh+preview, per-process SHOW cache: {len(cached['sent'])} SQL round trips "
          f"(refresh {cached['refresh_sql']}, preview {cached['preview_sql']}; {cached['ddl']} DDL, "
          f"{cached['changes']} planned changes; refresh {cached['refresh_s']:.1f} s, "
          f"preview {cached['preview_s']:.1f} s)")
    for stmt in cached["sent"]:
        print(f"    {stmt}")
    print(f"naive, one SHOW per resource:               {n} SQL round trips")
    print(f"ratio naive / cached:                       {n / max(len(cached['sent']), 1):.1f}x")
    print(f"same providers with the cache off (CORTEX_SHOW_CACHE_TTL_S=0): {len(uncached['sent'])} SQL round trips "
          f"({uncached['ddl']} DDL, {uncached['changes']} planned changes) -> "
          f"{len(uncached['sent']) / max(len(cached['sent']), 1):.1f}x")


if __name__ == "__main__":
    main()
