"""Shared fixtures: the emulator as a real subprocess (`python -m cortex_local serve`), reached only
through snowflake-connector-python, as the provider reaches Snowflake.

- `emulator` (session scope): one server for the whole run; tests isolate by account
  (`emulator.new_account()`).
- `fresh_emulator` (function scope): its own data dir, for restart/persistence tests.
The engine is `stub` unless CORTEX_LOCAL_TEST_ENGINE says otherwise (e.g. `lora`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Imported at start-up: after the engine suites, a first import of hypothesis by its pytest plugin's
# end-of-session summary failed in CPython's compiler ("AST constructor recursion depth mismatch") and
# turned a passing run into exit code 1.
import hypothesis  # noqa: F401
import pytest

if TYPE_CHECKING:
    from cortex_provider.connection_settings import ConnectionSettings

ROOT = Path(__file__).resolve().parents[1]
TEST_ENGINE = os.environ.get("CORTEX_LOCAL_TEST_ENGINE", "stub")
DEFAULT_ACCOUNT = "TESTACCT"
# The server's default base-model catalogue is Snowflake's current one (llama3.1-8b only). The suite's
# fixtures were written against the 2024-25 list (mistral-7b, llama3-8b, ...), which the server keeps
# behind `--finetune-catalogue 2025`: tests of the current catalogue pass catalogue="current".
SUITE_CATALOGUE = "2025"
# The connector probes cloud metadata addresses on login (platform detection); the suite talks only to
# its emulator on 127.0.0.1, and every process it starts inherits this.
os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Emulator:
    """A running `python -m cortex_local serve` process and helpers to talk to it."""

    def __init__(
        self,
        data_dir: Path,
        engine: str = TEST_ENGINE,
        extra_args: list[str] | None = None,
        catalogue: str = SUITE_CATALOGUE,
    ) -> None:
        self.catalogue = catalogue
        self.host = "127.0.0.1"
        self.port = free_port()
        self.data_dir = data_dir
        self.engine = engine
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}.server.log"

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        cmd = [
            sys.executable,
            "-m",
            "cortex_local",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--data",
            str(self.data_dir),
            "--engine",
            self.engine,
            "--finetune-catalogue",
            self.catalogue,
            *self.extra_args,
        ]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited ({self.proc.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.5):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"emulator did not answer within {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code (0 = clean shutdown)."""
        if self.proc is None:
            return 0
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def restart(self) -> None:
        code = self.stop()
        assert code == 0, f"emulator did not stop cleanly ({code}):\n{self.log_tail()}"
        self.start()

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    # -- clients ------------------------------------------------------------------------------
    def params(self, account: str | None = None, user: str = "ADMIN", password: str = "admin") -> dict[str, Any]:
        """One account's connect parameters: the driver's keywords, and ConnectionSettings' fields."""
        return {
            "account": account or DEFAULT_ACCOUNT,
            "user": user,
            "password": password,
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "login_timeout": 30,
            "network_timeout": 120,
        }

    def connect(
        self,
        account: str | None = None,
        user: str = "ADMIN",
        password: str = "admin",
        role: str | None = None,
        database: str | None = None,
        schema: str | None = None,
        **kw: Any,
    ) -> Any:
        import snowflake.connector

        params = self.params(account, user, password)
        for key, value in (("role", role), ("database", database), ("schema", schema)):
            if value is not None:
                params[key] = value
        params.update(kw)
        return snowflake.connector.connect(**params)

    def settings(self, account: str, password: str = "admin") -> ConnectionSettings:
        """The provider's ConnectionSettings for one account's admin."""
        from cortex_provider.connection_settings import ConnectionSettings

        return ConnectionSettings.model_validate(self.params(account, password=password))

    def stack_config(self, account: str, password: str = "admin") -> dict[str, str]:
        """The `cortex:*` stack config a Pulumi program or provider server needs to reach one account."""
        return {
            "cortex:account": account,
            "cortex:user": "ADMIN",
            "cortex:password": password,
            "cortex:host": self.host,
            "cortex:port": str(self.port),
            "cortex:protocol": "http",
        }

    def new_account(self) -> str:
        return f"T{uuid.uuid4().hex[:12].upper()}"

    def query_log(self, account: str | None = None) -> list[dict[str, Any]]:
        from cortex_local.querylog import read_query_log

        return read_query_log(self.data_dir, account)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("emulator") / "data")
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def fresh_emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path / "data")
    emu.start()
    yield emu
    emu.stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Programs that fail on purpose under the SDK's mocks (e.g. a region stack run before its primary)
    leave Pulumi Output tasks pending; asyncio reports them when the interpreter exits, after pytest's
    summary. Those reports are expected and would bury the summary line, so they are silenced here —
    only at exit, never while tests run."""
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
