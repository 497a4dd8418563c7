"""A model-based test on the real Pulumi engine: random sequences of spec edits and verbs
against the emulator, with the invariants of checks.py checked after every step.

    with model_check(workdir) as run:
        run.sequence(seed, index, steps)
    run.violations, run.steps, run.sequences

Used by tests/e2e/test_model_check.py (a short fixed-seed run) and bench/model_check.py (the full one).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.model_check.runner import Run


@contextlib.contextmanager
def model_check(workdir: Path, printer: Callable[[str], None] = print) -> Iterator[Run]:
    """One emulator (stub engine, the current catalogue) and one project copy for the whole run."""
    from tests.conftest import Emulator
    from tests.e2e.engine import EngineProject

    os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")  # the observer's own connections
    emu = Emulator(workdir / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        project = EngineProject(workdir / "project", emu.port,
                                extra_env={"SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true"})
        yield Run(emu, project, workdir, printer)
    finally:
        emu.stop()
