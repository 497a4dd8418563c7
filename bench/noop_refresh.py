"""SQL round trips of a no-op `refresh` + `up` (Read, then Check + Diff) over a large stack.

Stack: 50 roles x (CortexUserGrant + ModelCreatorGrant + ModelUsageGrant) + 20 TrainingViews, in a
temporary emulator (`python -m cortex_local serve`, stub engine). Every call goes through the SDK's
dynamic provider server over gRPC with the dill-serialized providers, as the engine drives them; each
pass gets a fresh provider process (one per Pulumi operation, so nothing is cached across passes).
Round trips are counted from the emulator's query log.

    python bench/noop_refresh.py [--roles 50] [--views 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import snowflake.connector  # noqa: E402
from pulumi.dynamic.dynamic import serialize_provider  # noqa: E402
from pulumi.runtime.proto import provider_pb2  # noqa: E402

from cortex_local.querylog import read_query_log  # noqa: E402
from cortex_provider.offline.project import Project  # noqa: E402
from cortex_provider.offline.provider import ProviderServer  # noqa: E402
from cortex_provider.pulumi.grants import (  # noqa: E402
    CortexUserGrantProvider,
    ModelCreatorGrantProvider,
    ModelUsageGrantProvider,
)
from cortex_provider.pulumi.training_view import TrainingViewProvider  # noqa: E402

ACCOUNT, PASSWORD, PK = "BENCH", "bench-admin", "__provider"
MODELS = ("BOT_A", "BOT_B")
VIEW_SCHEMAS = ("V1", "V2")


def start_emulator(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (data.parent / "server.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "cortex_local", "serve", "--port", str(port), "--data",
                             str(data), "--engine", "stub"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("emulator did not start")


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


def provider_server(tmp: Path, port: int, cache_ttl: str | None) -> ProviderServer:
    project_dir = tmp / "project"
    project_dir.mkdir(exist_ok=True)
    (project_dir / "Pulumi.yaml").write_text("name: cortex\nruntime: python\n")
    config = {"cortex:account": ACCOUNT, "cortex:user": "ADMIN", "cortex:password": PASSWORD,
              "cortex:host": "127.0.0.1", "cortex:port": str(port), "cortex:protocol": "http"}
    project = Project(project_dir, "cortex", project_dir / "__main__.py", "bench", project_dir / "x.yaml",
                      config=config, secret_keys={"cortex:password"})
    old = os.environ.pop("CORTEX_SHOW_CACHE_TTL_S", None)
    if cache_ttl is not None:
        os.environ["CORTEX_SHOW_CACHE_TTL_S"] = cache_ttl
    try:
        server = ProviderServer(project, lambda line: None)
    finally:
        os.environ.pop("CORTEX_SHOW_CACHE_TTL_S", None)
        if old is not None:
            os.environ["CORTEX_SHOW_CACHE_TTL_S"] = old
    server.configure()
    return server


def stack(roles: list[str], views: int) -> list[tuple[str, Any, dict[str, Any]]]:
    out: list[tuple[str, Any, dict[str, Any]]] = []
    for i, role in enumerate(roles):
        out.append((f"cortex-{role}", CortexUserGrantProvider(), {"role": role}))
        out.append((f"creator-{role}", ModelCreatorGrantProvider(),
                    {"role": role, "database": "BENCH", "schema": "MODELS"}))
        out.append((f"usage-{role}", ModelUsageGrantProvider(),
                    {"role": role, "model": f"BENCH.MODELS.{MODELS[i % len(MODELS)]}"}))
    for v in range(views):
        out.append((f"view-{v}", TrainingViewProvider(),
                    {"database": "BENCH", "schema": VIEW_SCHEMAS[v % len(VIEW_SCHEMAS)], "name": f"TRAIN_{v}",
                     "source": "BENCH.DATA.NOTES", "prompt_expr": "NOTE", "completion_expr": "LABEL",
                     "where": f"ID % {views} = {v}", "base_model": "mistral-7b"}))
    return out


def urn(name: str) -> str:
    return f"urn:pulumi:bench::cortex::pulumi-python:dynamic:Resource::{name}"


def create_all(
    server: ProviderServer, resources: list[tuple[str, Any, dict[str, Any]]]
) -> list[dict[str, Any]]:
    state = []
    for name, provider, spec in resources:
        blob = serialize_provider(provider)
        inputs, failures = server.check(urn(name), {}, {**spec, PK: blob})
        assert not failures, (name, failures)
        id_, outs = server.create(urn(name), inputs, timeout=120)
        state.append({"name": name, "id": id_, "inputs": inputs, "outputs": outs, "spec": spec, "blob": blob})
    return state


def noop_pass(server: ProviderServer, state: list[dict[str, Any]]) -> int:
    """refresh (Read) then up (Check + Diff) for every resource; returns planned changes."""
    changes = 0
    for r in state:
        rid, outs, _ = server.read(urn(r["name"]), r["id"], r["outputs"], r["inputs"])
        assert rid == r["id"], f"{r['name']} reads as gone"
        news, failures = server.check(urn(r["name"]), r["inputs"], {**r["spec"], PK: r["blob"]})
        assert not failures
        diff = server.diff(urn(r["name"]), r["id"], outs, r["inputs"], news, [])
        changes += diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    return changes


def measured(
    data: Path, tmp: Path, port: int, state: list[dict[str, Any]], ttl: str | None
) -> tuple[list[str], int, int]:
    before = len(read_query_log(data, ACCOUNT))
    server = provider_server(tmp, port, ttl)
    try:
        changes = noop_pass(server, state)
    finally:
        server.close()
    sent = [str(e["statement"]) for e in read_query_log(data, ACCOUNT)[before:]]
    ddl = [s for s in sent if s.split(None, 1)[0].upper() in {"GRANT", "REVOKE", "CREATE", "DROP", "ALTER"}]
    return sent, len(ddl), changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roles", type=int, default=50)
    parser.add_argument("--views", type=int, default=20)
    args = parser.parse_args()
    roles = [f"ROLE_{i:02d}" for i in range(args.roles)]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        proc, port = start_emulator(data)
        try:
            conn = snowflake.connector.connect(account=ACCOUNT, user="ADMIN", password=PASSWORD,
                                               host="127.0.0.1", port=port, protocol="http")
            setup(conn, roles)
            resources = stack(roles, args.views)
            server = provider_server(tmp, port, None)
            try:
                t0 = time.monotonic()
                state = create_all(server, resources)
                create_s = time.monotonic() - t0
            finally:
                server.close()
            t0 = time.monotonic()
            cached, cached_ddl, cached_changes = measured(data, tmp, port, state, None)
            cached_s = time.monotonic() - t0
            uncached, uncached_ddl, uncached_changes = measured(data, tmp, port, state, "0")
        finally:
            proc.terminate()
            proc.wait(30)
    n = len(resources)
    kinds = (f"{args.roles} CortexUserGrant + {args.roles} ModelCreatorGrant + {args.roles} ModelUsageGrant + "
             f"{args.views} TrainingView = {n} resources")
    print(f"stack: {kinds} (created in {create_s:.1f} s)")
    print(f"no-op refresh+diff, per-process SHOW cache: {len(cached)} SQL round trips "
          f"({cached_ddl} DDL, {cached_changes} planned changes, {cached_s:.1f} s)")
    for stmt in cached:
        print(f"    {stmt}")
    print(f"naive, one SHOW per resource:               {n} SQL round trips")
    print(f"ratio naive / cached:                       {n / max(len(cached), 1):.1f}x")
    print(f"same providers with the cache off (CORTEX_SHOW_CACHE_TTL_S=0): {len(uncached)} SQL round trips "
          f"({uncached_ddl} DDL, {uncached_changes} planned changes) -> {len(uncached) / max(len(cached), 1):.1f}x")


if __name__ == "__main__":
    main()
