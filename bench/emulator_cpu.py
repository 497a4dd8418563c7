"""The emulator's CPU per statement for the statements a large `up` sends, measured on the emulator's process.

bench/scale_floor.py's mixed stack sends, against an account with N roles: one GRANT DATABASE ROLE
SNOWFLAKE.CORTEX_USER per CortexUserGrant, and per TrainingView its shape probe (the check's), SHOW
VIEWS, the pre-flight and CREATE OR REPLACE VIEW, then SHOW VIEWS again. The emulator runs on the same
cores as the engine and answers one statement at a time, so its CPU per statement bounds how fast the
views go and adds to every GRANT's round trip. This sends the same statements through the provider's own
resource cores and session (the real connector), one resource at a time, and reads the emulator's CPU
seconds from /proc: unlike wall times, they hardly depend on the machine's load.
`--profile` adds cProfile's top functions of the same statements run in-process (dispatch.execute).

    python bench/emulator_cpu.py [--roles 1000] [--views 100] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from cortex_provider.connection_settings import ConnectionSettings  # noqa: E402
from cortex_provider.resources.grants import CortexUserGrantCore, CortexUserGrantSpec  # noqa: E402
from cortex_provider.resources.training_view import TrainingViewCore  # noqa: E402
from cortex_provider.resources.training_view_spec import TrainingViewSpec  # noqa: E402
from cortex_provider.session import Session  # noqa: E402
from tests.conftest import Emulator  # noqa: E402

ACCOUNT = "LOCAL"


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kind(statement: str) -> str:
    words = statement.split()
    return " ".join(words[:3] if words[0] == "CREATE" else words[:2])[:32]


def profile(data: Path, statements: list[str]) -> None:
    """The same statements again, in this process, on a copy of the emulator's data (grants revoked first)."""
    import warnings

    warnings.filterwarnings("ignore")
    from cortex_local import cortex, dispatch
    from cortex_local.engines import load_engine
    from cortex_local.server import EmulatorServer

    copy = Path(tempfile.mkdtemp()) / "data"
    shutil.copytree(data, copy)
    server = EmulatorServer(copy, load_engine("stub", str(copy)))
    cortex.setup(server, "current", False)
    session = server.login(ACCOUNT, "ADMIN", "admin", None, None, None, None)
    for s in statements:
        if s.startswith("GRANT DATABASE ROLE"):
            dispatch.execute(server, session, s.replace("GRANT", "REVOKE", 1).replace(" TO ", " FROM "), None, None)
    prof = cProfile.Profile()
    prof.enable()
    for s in statements:
        dispatch.execute(server, session, s, None, None)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    shutil.rmtree(copy.parent, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--views", type=int, default=100)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    grants = args.roles - args.views
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "data", engine="stub", catalogue="current")
        emu.start()
        try:
            assert emu.proc is not None
            subprocess.run([sys.executable, str(ROOT / "scripts" / "local_emulator.py"), "seed", "--port",
                            str(emu.port), "--account", ACCOUNT], check=True, cwd=ROOT, capture_output=True,
                           env={**os.environ, "SNOWFLAKE_PASSWORD": "admin"})
            roles = [f"SCALE_ROLE_{i:05d}" for i in range(args.roles)]
            with emu.connect(ACCOUNT, password="admin") as conn:
                cur = conn.cursor()
                cur.execute("CREATE SCHEMA IF NOT EXISTS CORTEX_DEMO.MODELS")
                for role in roles:
                    cur.execute(f"CREATE ROLE {role}")
            session = Session(ConnectionSettings(account=ACCOUNT, user="ADMIN", password=SecretStr("admin"),
                                                 host=emu.host, port=emu.port, protocol="http"))
            grant_core, view_core = CortexUserGrantCore(), TrainingViewCore()

            def view(v: int) -> None:
                spec = TrainingViewSpec(database="CORTEX_DEMO", schema="MODELS", name=f"V{v:04d}",
                                        source="CORTEX_DEMO.RAW.SUPPORT_NOTES", prompt_expr="NOTE",
                                        completion_expr="LABEL_JSON", where=f"ID % {args.views} = {v}")
                view_core.probe_for_check(session, spec.effective_query(), spec.fqn)
                view_core.create(session, spec)

            print(f"emulator_cpu: {args.roles} roles, {grants} CortexUserGrants, {args.views} TrainingViews, "
                  f"one at a time, load average {os.getloadavg()[0]:.2f}")
            sent: list[str] = []
            for label, work in (("grants", [lambda r=r: grant_core.create(session, CortexUserGrantSpec(role=r))
                                            for r in roles[:grants]]),
                                ("views", [lambda v=v: view(v) for v in range(args.views)])):
                before, cpu0, start = len(emu.query_log(ACCOUNT)), cpu_s(emu.proc.pid), time.monotonic()
                for step in work:
                    step()
                cpu, wall = cpu_s(emu.proc.pid) - cpu0, time.monotonic() - start
                log = emu.query_log(ACCOUNT)[before:]
                sent += [str(e["statement"]) for e in log]
                per: dict[str, list[float]] = defaultdict(list)
                for e in log:
                    per[kind(str(e["statement"]))].append(float(e["duration_ms"]))
                each = 1000 * cpu / len(log)
                print(f"{label:7} {len(log):5d} statements, emulator CPU {cpu:6.2f} s = {each:5.1f} ms "
                      f"per statement (wall {wall:.1f} s); time inside the emulator per statement: "
                      + ", ".join(f"{k} {sum(v) / len(v):.1f} ms" for k, v in per.items()))
            session.close()
            data = emu.data_dir
            if args.profile:
                emu.stop()
                print(f"cProfile of the same {len(sent)} statements, in this process:")
                profile(data, sent)
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
