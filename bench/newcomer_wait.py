"""The newcomer's wait: README command (1)'s training job, timed inside the emulator.

Starts the emulator with the `lora` engine in a temporary data directory (the model conversion
cache stays shared: CORTEX_LOCAL_MODEL_CACHE, default ~/.cache/cortex-local/models, i.e. a warm
machine), seeds the demo data as `scripts/local_emulator.py seed` does, and issues what the `local`
stack's SUPPORT_EXTRACTOR model issues, through snowflake-connector-python, without Pulumi:
FINETUNE('CREATE') over the demo rows (ID % 10 <> 0 for training, = 0 for validation, max_epochs 1),
DESCRIBE every --poll seconds until SUCCESS, then COMPLETE on the trained model. Prints the time from
CREATE to an answering model, where it went (SYSTEM$CORTEX_LOCAL_ENGINE_STATS), when the provider's
default polling (5 s, x1.5, capped at 60 s) would have noticed the end, and the engine's tokens/s
inside the emulator beside the same engine on the same rows in a bench process of its own.

    python bench/newcomer_wait.py [--poll 0.5] [--skip-direct] [--direct-first]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Emulator  # noqa: E402
from tests.e2e.support import PASSWORD, seed_demo  # noqa: E402

ACCOUNT, MODEL, BASE = "LOCAL", "CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR", "llama3.1-8b"
VIEW = ("SELECT 'Extract the condition from: ' || NOTE AS PROMPT, LABEL_JSON AS COMPLETION "
        "FROM CORTEX_DEMO.RAW.SUPPORT_NOTES")
SEED_ROWS = 100  # scripts/local_emulator.py DEMO_ROWS


def demo_rows() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The rows the emulator's job trains on: the seed's pairs split by ID % 10 as the stack does."""
    from cortex_local.engines.synthetic import extraction_pairs

    pairs = extraction_pairs(SEED_ROWS, seed=7)
    return ([p for i, p in enumerate(pairs) if i % 10], [p for i, p in enumerate(pairs) if i % 10 == 0])


def provider_notices(finished_s: float, initial: float = 5.0, factor: float = 1.5, cap: float = 60.0) -> float:
    """When the provider's default DESCRIBE schedule first sees a job that ended `finished_s` after CREATE."""
    t, delay = 0.0, initial
    while t < finished_s:
        t, delay = t + delay, min(delay * factor, cap)
    return t


def run_direct() -> dict[str, Any]:
    """The engine outside the emulator on the same rows and options (its own process; cache shared)."""
    from cortex_local.engines.base import TrainingJob
    from cortex_local.engines.lora import LoraEngine

    class Quiet:
        def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
            pass

    train, valid = demo_rows()
    with tempfile.TemporaryDirectory(prefix="bench-newcomer-direct-") as tmp:
        eng = LoraEngine(tmp)
        t0 = time.perf_counter()
        res = eng.train(TrainingJob("direct", BASE, MODEL, train, valid, {"max_epochs": 1}, Path(tmp) / "a"),
                        Quiet())
        wall = time.perf_counter() - t0
    return dict(res.details, wall_seconds=round(wall, 3), engine_trained_tokens=res.trained_tokens)


def _direct_subprocess() -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--only-direct"], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not line:
        sys.exit(f"direct run failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(line[-1][7:]))


def run_emulator(poll: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-newcomer-") as tmp:
        emu = Emulator(Path(tmp) / "data", engine="lora", catalogue="current")
        t0 = time.monotonic()
        emu.start(timeout=180)
        out["start_s"] = time.monotonic() - t0
        try:
            t0 = time.monotonic()
            seed_demo(emu.port)
            out["seed_s"] = time.monotonic() - t0
            conn = emu.connect(ACCOUNT, password=PASSWORD)
            cur = conn.cursor()
            t0 = time.monotonic()
            opts = "{'max_epochs': 1}"
            job_id = cur.execute(
                f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', '{MODEL}', '{BASE}', "
                f"$${VIEW} WHERE ID % 10 <> 0$$, $${VIEW} WHERE ID % 10 = 0$$, {opts})"
            ).fetchone()[0]
            out["create_s"] = time.monotonic() - t0
            polls = 0
            while True:
                desc = json.loads(cur.execute(f"SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', '{job_id}')")
                                  .fetchone()[0])
                polls += 1
                if desc["status"] in ("SUCCESS", "ERROR", "CANCELLED"):
                    break
                time.sleep(poll)
            out["trained_s"] = time.monotonic() - t0
            if desc["status"] != "SUCCESS":
                sys.exit(f"job ended {desc['status']}: {desc.get('error')}\n{emu.log_tail()}")
            out["polls"], out["describe"] = polls, desc
            stats = cur.execute(f"SELECT SYSTEM$CORTEX_LOCAL_ENGINE_STATS('{job_id}')").fetchone()[0]
            out["stats"] = json.loads(stats)
            prompt = "Extract the condition from: Ana, aged 33, has had mild gout for 12 days."
            t1 = time.monotonic()
            answer = cur.execute("SELECT SNOWFLAKE.CORTEX.COMPLETE(%s, %s)", (MODEL, prompt)).fetchone()[0]
            out["complete_s"] = time.monotonic() - t1
            out["answered_s"] = time.monotonic() - t0
            out["answer"] = answer
        finally:
            emu.stop()
    return out


def _tps(d: dict[str, Any]) -> str:
    secs = float(d["train_seconds"])
    return (f"{d['chat_tokens'] / secs:6.1f} chat tokens/s ({d['chat_tokens']} in {secs:.1f} s; "
            f"{d['engine_trained_tokens'] / secs:.1f} billed/s), load {d['load_seconds']:.1f} s, "
            f"{d['dtype']}, threads {d.get('threads', '?')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--poll", type=float, default=0.5, help="seconds between this bench's DESCRIBEs")
    ap.add_argument("--skip-direct", action="store_true", help="no bench-process run of the engine")
    ap.add_argument("--direct-first", action="store_true", help="run the bench-process side first")
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--only-direct", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only_direct:
        print("RESULT " + json.dumps(run_direct(), default=str), flush=True)
        return
    os.environ.setdefault(
        "CORTEX_LOCAL_MODEL_CACHE", str(Path.home() / ".cache" / "cortex-local" / "models"))
    load0 = os.getloadavg()[0]
    direct = _direct_subprocess() if args.direct_first and not args.skip_direct else None
    emu = run_emulator(args.poll)
    if direct is None and not args.skip_direct:
        direct = _direct_subprocess()
    if args.json:
        Path(args.json).write_text(json.dumps({"emulator": emu, "direct": direct}, default=str, indent=1))
    s, d = emu["stats"], emu["describe"]
    noticed = provider_notices(emu["trained_s"])
    print(f"newcomer_wait: {s['training_rows']} training + {s['validation_rows']} validation rows x "
          f"{s['epochs']} epoch, {os.cpu_count()} cores, load average {load0:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"torch threads {os.environ.get('CORTEX_LOCAL_TORCH_THREADS', 'engine default')}")
    print(f"  emulator start {emu['start_s']:.1f} s (the engine loads in the background), seed {emu['seed_s']:.1f} s, "
          f"CREATE {emu['create_s']:.2f} s")
    job_s = (d["finished_on"] - d["created_on"]) / 1000 if d.get("finished_on") else float("nan")
    other = job_s - float(s["train_seconds"]) - float(s["load_seconds"])
    print(f"  job (created_on -> finished_on) {job_s:.1f} s = base load {s['load_seconds']:.1f} s + "
          f"training loop {s['train_seconds']:.1f} s + other {other:.1f} s (row prep, billing, save)")
    print(f"  in the emulator : {_tps(s)}")
    if direct is not None:
        print(f"  bench process   : {_tps(direct)}, wall {direct['wall_seconds']:.1f} s")
    print(f"  CREATE -> SUCCESS seen {emu['trained_s']:.1f} s ({emu['polls']} DESCRIBEs every {args.poll} s); "
          f"the provider's default polling would see it at {noticed:.1f} s (+{noticed - emu['trained_s']:.1f} s)")
    print(f"  CREATE -> answering model {emu['answered_s']:.1f} s (COMPLETE {emu['complete_s']:.1f} s, base "
          f"load included): {emu['answer'][:90]!r}")


if __name__ == "__main__":
    main()
