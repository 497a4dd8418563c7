"""`examples/python-program/` (a program on the public Python API, no cortex:spec) runs with the commands
its README documents, as written: from the repository root on an emulator seeded as README command (1)
seeds it, `-C examples/python-program` runs that project's own __main__.py with its Pulumi.local.yaml and
the demo passphrase; the endpoint answers as the app role; the rollback pin is a no-op while V1 serves;
destroy drops the endpoint only. The YAML example's commands run in tests/e2e/test_plugin.py."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.e2e.support import ROOT, seed_demo

EXAMPLE = ROOT / "examples" / "python-program"
ADMIN_PASSWORD = "local-admin"  # scripts/up-local.sh's SNOWFLAKE_PASSWORD, which the README gives


def documented_commands() -> list[str]:
    """The lines of the README's bash block, comments dropped."""
    block = re.search(r"```bash\n(.*?)```", (EXAMPLE / "README.md").read_text(), re.S)
    assert block, "examples/python-program/README.md has no ```bash block"
    return [line.split("   #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = Emulator(tmp_path_factory.mktemp("example") / "data", engine="stub", catalogue="current")
    emulator.start()
    try:
        seed_demo(emulator.port, rows=20, password=ADMIN_PASSWORD)
        cur = emulator.connect(account="LOCAL", password=ADMIN_PASSWORD).cursor()
        cur.execute("CREATE USER APPUSER PASSWORD = 'app-pw'")  # an application that calls the endpoint
        cur.execute("GRANT ROLE ANALYST TO USER APPUSER")
        yield emulator
    finally:
        emulator.stop()


def test_example_program_runs_with_its_documented_commands(emu: Emulator, tmp_path: Path) -> None:
    repo = tmp_path / "repo"  # a checkout's layout: the commands run from its root
    shutil.copytree(EXAMPLE, repo / "examples" / "python-program",
                    ignore=shutil.ignore_patterns(".pulumi-local", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "SNOWFLAKE_"))}
    env |= {"CORTEX_PROVIDER_POLL_INITIAL_S": "0.1", "CORTEX_PROVIDER_POLL_MAX_S": "0.3",
            "SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true"}
    commands = documented_commands()
    assert commands[0].startswith("export ") and len(commands) >= 4
    for command in commands:
        words = shlex.split(command)
        if words[0] == "export":
            env |= dict(w.split("=", 1) for w in words[1:])
            assert env["SNOWFLAKE_PASSWORD"] == ADMIN_PASSWORD and env["SNOWFLAKE_PORT"] == "18765"
            env["SNOWFLAKE_PORT"] = str(emu.port)  # this test's emulator, as CORTEX_LOCAL_PORT would move it
            continue
        assert words[0] == ".venv/bin/python", command
        done = subprocess.run([sys.executable, *words[1:]], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=400)
        assert done.returncode == 0, f"{command}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
        if "destroy" not in words:
            app = emu.connect(account="LOCAL", user="APPUSER", password="app-pw", role="ANALYST").cursor()
            answer = app.execute("SELECT CORTEX_DEMO.MODELS.SUPPORT('cough for two days')").fetchone()[0]
            assert "CORTEX_DEMO.MODELS.SUPPORT_V1" in answer  # the stub names the adapter it answered with

    cur = emu.connect(account="LOCAL", password=ADMIN_PASSWORD).cursor()
    log = emu.query_log("LOCAL")
    assert sum("FINETUNE('CREATE'" in str(e["statement"]) for e in log) == 1  # the pin trained nothing
    assert "SUPPORT" not in {r[1] for r in cur.execute("SHOW USER FUNCTIONS IN SCHEMA CORTEX_DEMO.MODELS")}
    assert "SUPPORT_V1" in {r[1] for r in cur.execute("SHOW MODELS IN SCHEMA CORTEX_DEMO.MODELS")}  # retained
    assert "serving: V1" in (repo / "examples" / "python-program" / "Pulumi.local.yaml").read_text()
