"""Estimated vs billed trained tokens for the `local` and `distill` stacks' models.

Starts its own emulator (stub engine unless --engine lora; temporary data dir), seeds the demo table as
scripts/local_emulator.py does, creates each stack's training data as its spec declares it (views from
source/prompt/completion/where; the distill stack's label table by the teacher's COMPLETE in SQL),
then per model: the plan's estimate (the provider's pre-flight, COUNT_TOKENS pushed down, and the
~4 characters/token estimate), FINETUNE('CREATE') as the provider sends it, and the billed
`trained_tokens` from DESCRIBE and from SNOWFLAKE.ACCOUNT_USAGE.CORTEX_FINE_TUNING_USAGE_HISTORY.
Goal: ratio estimate/billed = 1.00 +- 0.01 with COUNT_TOKENS.

    .venv/bin/python bench/cost_accuracy.py [--engine stub|lora]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import snowflake.connector
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cortex_provider.program.spec import StackSpec, parse_stack_spec  # noqa: E402
from cortex_provider.resources.preflight import preflight  # noqa: E402
from cortex_provider.session import Session  # noqa: E402
from cortex_provider.settings import resolve_settings  # noqa: E402
from tests.conftest import free_port  # noqa: E402

PASSWORD = "bench-admin"
USAGE = "SNOWFLAKE.ACCOUNT_USAGE.CORTEX_FINE_TUNING_USAGE_HISTORY"


def start(engine: str, data: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (data / "server.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "cortex_local", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--data", str(data / "d"), "--engine", engine],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 300  # the lora engine loads its model first
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"emulator did not start; see {data / 'server.log'}")
        time.sleep(0.3)
    seeded = subprocess.run([sys.executable, "scripts/local_emulator.py", "seed", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, capture_output=True, text=True,
                            env={"SNOWFLAKE_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}, timeout=180)
    if seeded.returncode != 0:
        proc.terminate()
        proc.wait(30)
        raise SystemExit(f"seeding failed: {seeded.stderr.strip()}")
    return proc, port


def stack_spec(stack: str) -> StackSpec:
    raw = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]["cortex:spec"]
    return parse_stack_spec(raw, f"stacks/Pulumi.{stack}.yaml")


def create_data(cur: Any, spec: StackSpec, trained: set[str], done: set[str]) -> None:
    """The label tables and views that can exist now: a distillation whose teacher is a Cortex model or a
    model of the stack already `trained`, and the views over what exists (`done` keeps what was created)."""
    where_db = f"{spec.database}.{spec.schema_}"
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {where_db}")
    models = {m.name for m in spec.models}
    for d in spec.distillations:  # the label table DistillationDataset fills, as one INSERT ... SELECT
        if d.name in done or (d.teacher_model in models and d.teacher_model not in trained):
            continue
        teacher = f"{where_db}.{d.teacher_model}" if d.teacher_model in models else d.teacher_model
        instructions = d.instructions.replace("'", "''")
        cur.execute(f"CREATE OR REPLACE TABLE {where_db}.{d.name} AS SELECT q.prompt AS prompt, "
                    f"SNOWFLAKE.CORTEX.COMPLETE('{teacher}', '{instructions}' || q.prompt) AS completion "
                    f"FROM ({d.prompts_query}) AS q")
        done.add(d.name)
    for v in spec.training_views:
        if v.name in done or (v.distillation and v.distillation not in done):
            continue
        if v.query:
            body = v.query
        elif v.distillation:
            body = f"SELECT prompt, completion FROM {where_db}.{v.distillation}"
        else:
            body = f"SELECT {v.prompt} AS prompt, {v.completion} AS completion FROM {v.source}"
        if v.where:  # on the source's own columns, as the TrainingView renders it
            body += f" WHERE {v.where}"
        cur.execute(f"CREATE OR REPLACE VIEW {where_db}.{v.name} AS {body}")
        done.add(v.name)


def billed(cur: Any, job: str, timeout: float = 1800) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', %s)", (job,))
        info: dict[str, Any] = json.loads(cur.fetchone()[0])
        if info["status"] in ("SUCCESS", "ERROR", "CANCELLED") or time.monotonic() > deadline:
            return info
        time.sleep(0.2)


def bench_stack(stack: str, session: Session, cur: Any) -> list[str]:
    spec = stack_spec(stack)
    trained: set[str] = set()
    done: set[str] = set()
    lines = []
    for m in spec.models:
        create_data(cur, spec, trained, done)  # a stack-trained teacher labels once it is trained
        train = f"SELECT prompt, completion FROM {spec.database}.{spec.schema_}.{m.training_view}" \
            if m.training_view else str(m.training_query)
        valid = f"SELECT prompt, completion FROM {spec.database}.{spec.schema_}.{m.validation_view}" \
            if m.validation_view else (m.validation_query or "")
        epochs = m.options.get("max_epochs")
        exact = preflight(session, train, m.base_model, epochs, count_tokens=True, auto_split=not valid)
        rough = preflight(session, train, m.base_model, epochs, count_tokens=False, auto_split=not valid)
        try:
            cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', %s, %s, %s, %s, %s)",
                        (f"{spec.database}.{spec.schema_}.{m.name}", m.base_model, train, valid,
                         json.dumps(m.options)))
        except snowflake.connector.errors.ProgrammingError as exc:
            lines.append(f"{stack:8} {m.name}: not trained here: {exc.msg}")
            continue
        info = billed(cur, cur.fetchone()[0])
        trained.add(m.name)
        if info["status"] != "SUCCESS":
            lines.append(f"{stack:8} {m.name}: job {info['status']}: {info.get('error')}")
            continue
        bill = int(info["trained_tokens"])
        split = f"auto split, {exact.held_out_rows} held out" if not valid else "validation query"
        lines.append(
            f"{stack:8} {m.name} ({m.base_model}, {exact.row_count} rows, {split}, {exact.epochs} epoch(s)): "
            f"estimated {exact.estimated_trained_tokens:,} (COUNT_TOKENS) vs billed {bill:,}: "
            f"ratio {exact.estimated_trained_tokens / bill:.4f}; ~4 chars/token estimate "
            f"{rough.estimated_trained_tokens:,}: error {100 * (rough.estimated_trained_tokens / bill - 1):+.1f}%")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="stub", choices=("stub", "lora"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cost-accuracy-") as tmp:
        proc, port = start(args.engine, Path(tmp))
        try:
            config = {"cortex:account": "LOCAL", "cortex:user": "ADMIN", "cortex:password": PASSWORD,
                      "cortex:host": "127.0.0.1", "cortex:port": str(port), "cortex:protocol": "http"}
            session = Session(resolve_settings(config, {}))
            conn = snowflake.connector.connect(**session.settings.connect_kwargs())
            cur = conn.cursor()
            print(f"cost accuracy on the emulator ({args.engine} engine): plan estimate vs billed trained tokens")
            for stack in ("local", "distill"):
                for line in bench_stack(stack, session, cur):
                    print(line)
            cur.execute(f"SELECT MODEL_NAME, SUM(TOKENS) FROM {USAGE} GROUP BY MODEL_NAME ORDER BY 1")
            print("usage history:", ", ".join(f"{m} {int(t):,} tokens" for m, t in cur.fetchall()))
        finally:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
