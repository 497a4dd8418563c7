"""The contract between the emulator's job manager and a training/inference engine.

The job manager owns everything Cortex-visible (job ids, statuses, limits, privileges, the MODEL
object). An engine only counts tokens, trains an adapter into a directory, and completes prompts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (missing extras, unknown name)."""


class JobCancelled(Exception):
    """Raised from ProgressReporter.report when the job was cancelled; engines let it propagate."""


@dataclass(frozen=True)
class TrainingJob:
    job_id: str
    base_model: str  # Cortex base-model name, e.g. "mistral-7b"
    model_name: str  # fully qualified DB.SCHEMA.NAME of the model to create
    training_rows: list[tuple[str, str]]  # (prompt, completion)
    validation_rows: list[tuple[str, str]]
    options: dict[str, Any]  # FINETUNE options, e.g. {"max_epochs": 3}
    output_dir: Path  # the engine writes the adapter here (created by the job manager)


@dataclass
class TrainingResult:
    trained_tokens: int  # input tokens x epochs, as Cortex bills
    validation_loss: float | None = None
    training_loss: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


class ProgressReporter(Protocol):
    def report(
        self, progress: float, trained_tokens: int, validation_loss: float | None = None
    ) -> None:
        """Publish live progress (0.0-1.0); raises JobCancelled once CANCEL was requested."""


class Engine(Protocol):
    name: str

    def backing_model(self, base_model: str) -> str:
        """Which local model really stands in for a Cortex base model (shown by DESCRIBE/SHOW)."""

    def count_tokens(self, base_model: str, text: str) -> int:
        """Tokens of `text` for the base model (COUNT_TOKENS and limit checks)."""

    def train(self, job: TrainingJob, reporter: ProgressReporter) -> TrainingResult:
        """Train an adapter for `job` into job.output_dir; blocking; runs on a background thread."""

    def complete(self, base_model: str, adapter_dir: Path | None, prompt: str, max_tokens: int) -> str:
        """Generate a completion, greedily, with the adapter when one is given."""
