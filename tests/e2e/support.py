"""Shared by the e2e suites: seeding the emulator's demo data, a seeded emulator with a project copy,
ordered-suite skipping, and the check that a failing preview changed nothing. (The project copy and the
engine live in tests/e2e/engine.py.)"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.conftest import Emulator
    from tests.e2e.engine import EngineProject

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "admin"  # the emulator provisions an account's admin with the password of its first login
# What a statement that changes Snowflake starts with: a preview sends none of them.
DDL = ("CREATE", "DROP", "ALTER", "GRANT", "REVOKE")


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    """Set environment variables for the duration."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def skip_after_failure(request: pytest.FixtureRequest, what: str) -> None:
    """For an ordered suite (one autouse fixture calls this): each step builds on the previous one, so
    once one fails the rest would only repeat it and are skipped."""
    failed_before = getattr(request.module, "_failed_at_start", None)
    if failed_before is None:
        request.module._failed_at_start = request.session.testsfailed
    elif request.session.testsfailed > failed_before:
        pytest.skip(f"an earlier {what} step failed")


def seed_demo(port: int, *, host: str = "127.0.0.1", password: str = PASSWORD, rows: int = 100,
              account: str = "LOCAL", roles_only: bool = False) -> None:
    """The demo data exactly as `scripts/local_emulator.py seed` writes it (account LOCAL by default;
    `roles_only`: just the demo roles, as for a region account whose data arrives by replication)."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "local_emulator.py"), "seed", "--host", host,
         "--port", str(port), "--rows", str(rows), "--account", account,
         *(["--roles-only"] if roles_only else [])],
        check=True, cwd=ROOT, env={**os.environ, "SNOWFLAKE_PASSWORD": password}, capture_output=True,
    )
    if not roles_only:  # the `local` stack deploys as its deployer role, as command (1) sets it up
        deployer_role(port, host=host, password=password, account=account)


def deployer_role(port: int, *, host: str = "127.0.0.1", password: str = PASSWORD, stack: str = "local",
                  account: str = "LOCAL") -> str:
    """The admin step of command (1): the stack's deployer role, with what every resource kind needs (the
    suites change the spec after seeding); returns what it printed."""
    env = {**os.environ, "SNOWFLAKE_PASSWORD": password, "SNOWFLAKE_HOST": host, "SNOWFLAKE_PORT": str(port),
           "SNOWFLAKE_PROTOCOL": "http"}
    done = subprocess.run([sys.executable, "-m", "cortex_provider.deployer", "--stack", stack, "--all-kinds",
                           "--account", account], check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    return done.stdout


@contextlib.contextmanager
def demo_project(root: Path, rows: int = 20) -> Iterator[tuple[Emulator, EngineProject]]:
    """A stub-engine emulator with the current catalogue and the demo data seeded (account LOCAL), and a
    copy of the project pointed at it; the emulator stops on exit."""
    from tests.conftest import Emulator
    from tests.e2e.engine import EngineProject

    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port, rows=rows)
        yield emu, EngineProject(root / "project", emu.port)
    finally:
        emu.stop()


@contextlib.contextmanager
def views_only_project(root: Path) -> Iterator[tuple[Emulator, EngineProject, dict[str, Any]]]:
    """demo_project with the models left out (the views alone: nothing to train), after its first `up`;
    yields the emulator, the project and the spec it was brought up with."""
    with demo_project(root) as (emu, project):
        spec = {**project.spec(), "models": []}
        project.set_spec(spec)
        assert project.run("up").ok
        yield emu, project, spec


def failed_preview_then_up(emu: Emulator, project: EngineProject, stack: str = "local", *, account: str = "LOCAL",
                           **preview: Any) -> tuple[str, str]:
    """Run `preview` of `stack` (it must fail and send no DDL), then `up` (it must fail too); what each
    printed."""
    before = len(emu.query_log(account))
    planned = project.run("preview", stack, **preview)
    sent = [str(e["statement"]) for e in emu.query_log(account)[before:]]
    assert not planned.ok, planned.stdout[-2000:]
    assert not [s for s in sent if s.lstrip().upper().startswith(DDL)], sent
    up = project.run("up", stack)
    assert not up.ok
    return planned.stdout + planned.stderr, up.stdout + up.stderr
