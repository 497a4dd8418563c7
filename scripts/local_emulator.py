"""Start the embedded emulator in the background (if it is not already answering) and seed demo data.

Used by scripts/up-local.sh and scripts/up-regions.sh. The demo data stands for what a data pipeline
would own in a real account (a raw table and two roles); everything Cortex-related is declared in the
stack. `seed --account X` seeds another emulator account (provisioned on this first login);
`--roles-only` creates just the roles (a region account, whose data arrives by replication).
"""

from __future__ import annotations

import argparse
import importlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

DEMO_ACCOUNT = "LOCAL"
DEMO_USER = "ADMIN"
# 90 training rows (ID % 10 <> 0) and 10 validation rows: the `lora` engine learns the demo's JSON format
# from them in one epoch (10/10 exact on held-out notes, bench/format_learning.py --rows 90) in about a
# minute on 2 CPU cores, so README command (1) reaches an answering model in ~75 s (bench/command_one.py).
DEMO_ROWS = 100


def _answering(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def seeded_marker(data: Path) -> Path:
    """Written into the emulator's data folder once the demo is seeded (gone with the data)."""
    return data / "demo-seeded"


def ensure(host: str, port: int, data: Path, engine: str) -> bool:
    """Start the emulator unless it answers; whether it was already running."""
    if _answering(host, port):
        print(f"emulator: already running on {host}:{port}")
        return True
    data.mkdir(parents=True, exist_ok=True)
    log = (data / "server.log").open("ab")
    cmd = [sys.executable, "-m", "cortex_local", "serve", "--host", host, "--port", str(port),
           "--data", str(data), "--engine", engine]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"emulator: exited with {proc.returncode}; see {data / 'server.log'}")
        if _answering(host, port):
            print(f"emulator: started (pid {proc.pid}) on {host}:{port}, data in {data}, engine {engine}; "
                  f"log {data / 'server.log'}; stop with: kill {proc.pid}")
            (data / "server.pid").write_text(str(proc.pid))
            return False
        time.sleep(0.3)
    sys.exit("emulator: did not answer within 120 s")


def seed(host: str, port: int, rows: int, account: str = DEMO_ACCOUNT, roles_only: bool = False) -> None:
    import snowflake.connector

    from cortex_local.engines.synthetic import PROMPT_PREFIX, extraction_pairs

    conn = snowflake.connector.connect(
        account=account, user=DEMO_USER, password=os.environ.get("SNOWFLAKE_PASSWORD", "local-admin"),
        host=host, port=port, protocol="http",
    )
    cur = conn.cursor()
    roles = ("CREATE ROLE IF NOT EXISTS ML_ENGINEER", "CREATE ROLE IF NOT EXISTS ANALYST")
    if roles_only:
        for stmt in roles:
            cur.execute(stmt)
        print(f"seed: account {account}: roles ML_ENGINEER, ANALYST")
        return
    for stmt in (
        "CREATE DATABASE IF NOT EXISTS CORTEX_DEMO",
        "CREATE SCHEMA IF NOT EXISTS CORTEX_DEMO.RAW",
        "CREATE SCHEMA IF NOT EXISTS CORTEX_DEMO.MODELS",
        "CREATE TABLE IF NOT EXISTS CORTEX_DEMO.RAW.SUPPORT_NOTES (ID INT, NOTE VARCHAR, LABEL_JSON VARCHAR)",
        *roles,
    ):
        cur.execute(stmt)
    have = cur.execute("SELECT COUNT(*) FROM CORTEX_DEMO.RAW.SUPPORT_NOTES").fetchone()
    if have and have[0]:
        print(f"seed: {account}: CORTEX_DEMO.RAW.SUPPORT_NOTES already holds {have[0]} rows")
        return
    pairs = extraction_pairs(rows, seed=7)
    cur.executemany(
        "INSERT INTO CORTEX_DEMO.RAW.SUPPORT_NOTES (ID, NOTE, LABEL_JSON) VALUES (%s, %s, %s)",
        [(i, prompt.removeprefix(PROMPT_PREFIX), completion) for i, (prompt, completion) in enumerate(pairs)],
    )
    print(f"seed: {account}: inserted {rows} rows into CORTEX_DEMO.RAW.SUPPORT_NOTES; roles ML_ENGINEER, ANALYST")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_ensure = sub.add_parser("ensure")
    p_seed = sub.add_parser("seed")
    for p in (p_ensure, p_seed):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=18765)
    p_ensure.add_argument("--data", type=Path, required=True)
    p_ensure.add_argument("--engine", default="lora")
    p_ensure.add_argument("--seed", action="store_true",
                          help="then seed the demo data as `seed` does (one process: ~2 s less than two)")
    p_seed.add_argument("--rows", type=int, default=DEMO_ROWS)
    p_seed.add_argument("--account", default=DEMO_ACCOUNT, help="emulator account to seed (default LOCAL)")
    p_seed.add_argument("--roles-only", action="store_true", help="create the roles only, no data")
    args = parser.parse_args()
    if args.cmd == "ensure":
        if args.seed:  # import the driver while the server starts (seed needs it; the wait is idle)
            threading.Thread(target=importlib.import_module, args=("snowflake.connector",), daemon=True).start()
        running = ensure(args.host, args.port, args.data, args.engine)
        marker = seeded_marker(args.data)
        if args.seed and running and marker.exists():  # a second run: no driver import, login or DDL (~1.5 s)
            print(f"seed: {DEMO_ACCOUNT}: seeded already ({marker})")
        elif args.seed:
            seed(args.host, args.port, DEMO_ROWS)
            marker.write_text(f"{DEMO_ACCOUNT}\n")
    else:
        seed(args.host, args.port, args.rows, args.account, args.roles_only)


if __name__ == "__main__":
    main()
