"""A run of command (1) with an emulator, a port and a Pulumi file backend of its own in a temporary folder,
so a bench leaves the checkout's `.cortex-local/` and `.pulumi-local/` alone. Standard library only: the
benches that use it may run before the project's venv exists (a new clone)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def own_emulator(prefix: str, keep: bool, **env: str) -> Iterator[tuple[Path, int, dict[str, str]]]:
    """(folder, port, environment for scripts/up-local.sh); on exit the emulator it started is stopped and,
    unless `keep`, the folder removed."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    (tmp / "state").mkdir()
    run_env = {**os.environ, **env, "CORTEX_LOCAL_PORT": str(port), "CORTEX_LOCAL_DATA": str(tmp / "data"),
               "PULUMI_BACKEND_URL": f"file://{tmp / 'state'}"}
    try:
        yield tmp, port, run_env
    finally:
        pid_file = tmp / "data" / "server.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        if not keep:
            time.sleep(1)
            shutil.rmtree(tmp, ignore_errors=True)
