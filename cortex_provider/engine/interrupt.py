"""One Ctrl-C stops a verb.

A terminal's Ctrl-C reaches this process and the `pulumi` CLI (one process group), but not the
provider processes: the CLI starts each plugin in a process group of its own, asks it to cancel
through the provider protocol's Cancel, which the SDK's dynamic-provider server ignores, and then
waits for the running calls -- a provider waiting on a fine-tuning job kept `up` alive until the job
ended. So the first Ctrl-C is passed on to the provider processes below this one (their server stops
and a wait on a job ends at once: resources/finetune/wait.py), and this process waits for the CLI to
record how the update ended instead of dying with a traceback. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

PROVIDER_MARKERS = (b"pulumi.dynamic", b"cortex_provider.plugin")


def _children() -> dict[int, list[int]]:
    """ppid -> pids, from /proc (empty where there is none: then only the CLI is interrupted)."""
    out: dict[int, list[int]] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            out.setdefault(ppid, []).append(int(proc.name))
    return out


def provider_processes(root: int) -> list[int]:
    """The provider plugin processes among `root`'s descendants."""
    children, found, frontier = _children(), [], [root]
    while frontier:
        pid = frontier.pop()
        for child in children.get(pid, []):
            frontier.append(child)
            with contextlib.suppress(OSError):
                if any(m in (Path("/proc") / str(child) / "cmdline").read_bytes() for m in PROVIDER_MARKERS):
                    found.append(child)
    return found


def first_interrupt_stops_providers() -> None:
    """Install the SIGINT handler described above (main thread only)."""
    def first(_signum: int, _frame: object) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for pid in provider_processes(os.getpid()):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGINT)
        print("\ninterrupted: stopping; a fine-tuning job already started keeps running in Snowflake and "
              "the next `up` adopts it (Ctrl-C again to quit at once)", file=sys.stderr, flush=True)

    signal.signal(signal.SIGINT, first)
