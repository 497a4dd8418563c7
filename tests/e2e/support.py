"""Shared by the e2e suites: the project copied to a temp dir with its stack pointed at a given
emulator, and the offline runner's verbs run on that copy with SNOWFLAKE_PASSWORD set.

A copy keeps the repo's own `.pulumi-local/` state and stack files untouched; the program and the
providers still import `cortex_provider` from this checkout.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from cortex_provider.offline import RunResult, run_destroy, run_preview, run_refresh, run_up

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "admin"  # the emulator provisions an account's admin with the password of its first login
VERBS = {"up": run_up, "preview": run_preview, "refresh": run_refresh, "destroy": run_destroy}


def stack_file(project: Path, stack: str = "local") -> Path:
    return project / "stacks" / f"Pulumi.{stack}.yaml"


def load_stack(project: Path, stack: str = "local") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(stack_file(project, stack).read_text())
    return data


def save_stack(project: Path, data: dict[str, Any], stack: str = "local") -> None:
    stack_file(project, stack).write_text(yaml.safe_dump(data, sort_keys=False))


def copy_project(dest: Path, port: int, *, host: str = "127.0.0.1") -> Path:
    """Pulumi.yaml, __main__.py and stacks/ copied to `dest`; every stack's cortex:host/port point at
    the emulator on `port` (stacks with a `cortex:port` key only, so real-account stacks stay as is)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "stacks", dest / "stacks", dirs_exist_ok=True)
    for path in (dest / "stacks").glob("Pulumi.*.yaml"):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        data = load_stack(dest, stack)
        config = data.get("config") or {}
        if "cortex:port" in config:
            config["cortex:port"] = str(port)
            config["cortex:host"] = host
            save_stack(dest, data, stack)
    return dest


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    """Set environment variables for the duration (the provider process inherits os.environ)."""
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


def stub_runs(passphrase: str) -> contextlib.AbstractContextManager[None]:
    """The runner's passphrase, and fast polling in the provider process so that waits follow the
    stub engine's pace."""
    return env(CORTEX_PROVIDER_POLL_INITIAL_S="0.2", CORTEX_PROVIDER_POLL_MAX_S="0.5",
               PULUMI_CONFIG_PASSPHRASE=passphrase)


def skip_after_failure(request: pytest.FixtureRequest, what: str) -> None:
    """For an ordered suite (one autouse fixture calls this): each step builds on the previous one, so
    once one fails the rest would only repeat it and are skipped."""
    failed_before = getattr(request.module, "_failed_at_start", None)
    if failed_before is None:
        request.module._failed_at_start = request.session.testsfailed
    elif request.session.testsfailed > failed_before:
        pytest.skip(f"an earlier {what} step failed")


def run_verb(project: Path, verb: str, *, stack: str = "local", password: str = PASSWORD,
             quiet: bool = True, **kwargs: Any) -> RunResult:
    """One runner verb (`up`, `preview`, `refresh`, `destroy`) on the copy, as the CLI would run it."""
    printer = (lambda _line: None) if quiet else print
    with env(SNOWFLAKE_PASSWORD=password):
        return VERBS[verb](project, stack, printer=printer, **kwargs)


def seed_demo(port: int, *, host: str = "127.0.0.1", password: str = PASSWORD, rows: int = 240,
              account: str = "LOCAL", roles_only: bool = False) -> None:
    """The demo data exactly as `scripts/local_emulator.py seed` writes it (account LOCAL by default;
    `roles_only`: just the demo roles, as for a region account whose data arrives by replication)."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "local_emulator.py"), "seed", "--host", host,
         "--port", str(port), "--rows", str(rows), "--account", account,
         *(["--roles-only"] if roles_only else [])],
        check=True, cwd=ROOT, env={**os.environ, "SNOWFLAKE_PASSWORD": password}, capture_output=True,
    )
