"""An engine that loads in the background while the server already answers.

Importing torch, transformers and peft and building the lora engine takes ~15 s on a 2-core machine:
the whole of the emulator's start-up. Nothing but Cortex calls needs the engine, so the server starts
at once and a Cortex call waits for the load only if it comes before the load is done (README command
(1) seeds its data and starts Pulumi in that time). A load that fails is raised by every Cortex call
as EngineUnavailable, and logged once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cortex_local.engines.base import Engine, EngineUnavailable, ProgressReporter, TrainingJob, TrainingResult

log = logging.getLogger("cortex_local.engines")


class DeferredEngine:
    """Engine protocol over an engine that `build` makes on a daemon thread started right away."""

    def __init__(self, name: str, build: Callable[[], Engine]) -> None:
        self.name = name
        self._build = build
        self._ready = threading.Event()
        self._engine: Engine | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._load, name=f"engine-load-{name}", daemon=True).start()

    def _load(self) -> None:
        try:
            self._engine = self._build()
        except BaseException as exc:  # reported to every caller, not lost on a thread
            log.exception("engine %r failed to load", self.name)
            self._error = exc
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = None) -> Engine:
        """The loaded engine, once it is; raises EngineUnavailable when the load failed or timed out."""
        if not self._ready.wait(timeout):
            raise EngineUnavailable(f"engine {self.name!r} is still loading")
        if self._engine is None:
            raise EngineUnavailable(f"engine {self.name!r} failed to load: {self._error}") from self._error
        return self._engine

    @property
    def loaded(self) -> bool:
        return self._ready.is_set() and self._engine is not None

    def backing_model(self, base_model: str) -> str:
        return self.wait().backing_model(base_model)

    def count_tokens(self, base_model: str, text: str) -> int:
        return self.wait().count_tokens(base_model, text)

    def train(self, job: TrainingJob, reporter: ProgressReporter) -> TrainingResult:
        return self.wait().train(job, reporter)

    def complete(self, base_model: str, adapter_dir: Path | None, prompt: str, max_tokens: int) -> str:
        return self.wait().complete(base_model, adapter_dir, prompt, max_tokens)

    def __getattr__(self, attr: str) -> Any:
        """Engine-specific extras (e.g. the lora engine's stats) are the loaded engine's."""
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.wait(), attr)
