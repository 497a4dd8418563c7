"""Runs fine-tuning jobs in the server's background: one training at a time, the rest queued PENDING.

Inside a job, as Snowflake documents it (https://docs.snowflake.com/en/user-guide/snowflake-cortex/
cortex-finetuning): a data failure found at CREATE (DeferredFailure) ends the job ERROR; the row limit
(1-epoch limit / epochs) is checked; rows longer than the model's prompt/completion split are
truncated (base_models.truncate_pair), never rejected; with no validation query the training rows
are split automatically (billing.auto_split).

Jobs are not tied to the client connection that created them (as in Cortex). On start the runner
re-queues PENDING jobs and re-runs IN_PROGRESS ones interrupted by a restart (their rows were saved
at CREATE); a job whose rows are gone is marked ERROR, never left stuck.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from cortex_local.cortex import billing
from cortex_local.cortex.base_models import known, truncate_pair
from cortex_local.cortex.job_store import (
    CANCELLED,
    ERROR,
    IN_PROGRESS,
    PENDING,
    SUCCESS,
    TERMINAL,
    JobRecord,
    JobStore,
    now_ms,
)
from cortex_local.engines.base import Engine, JobCancelled, TrainingJob

log = logging.getLogger("cortex_local.cortex")

# called on SUCCESS to create the MODEL object: (record, adapter_dir)
OnSuccess = Callable[[JobRecord, Path], None]


class LimitError(Exception):
    """A training row or the data set breaks the base model's documented limits."""


class _Reporter:
    """Live progress; the engine's token figure is kept as an engine statistic, and trained_tokens
    (the billed figure) grows with progress towards the job's billed total (billing.py)."""

    def __init__(self, runner: JobRunner, job_id: str, billed_total: int) -> None:
        self.runner, self.job_id, self.billed_total = runner, job_id, billed_total

    def report(self, progress: float, trained_tokens: int, validation_loss: float | None = None) -> None:
        if self.job_id in self.runner.cancel_requested:
            raise JobCancelled(self.job_id)
        done = round(max(0.0, min(1.0, progress)), 4)
        self.runner.store.update(
            self.job_id,
            progress=done,
            trained_tokens=int(self.billed_total * done),
            engine_stats={"engine_trained_tokens": int(trained_tokens)},
        )


class JobRunner:
    def __init__(self, store: JobStore, engine: Engine, adapters_root: Path, on_success: OnSuccess) -> None:
        self.store, self.engine, self.adapters_root, self.on_success = (
            store,
            engine,
            adapters_root,
            on_success,
        )
        self.cancel_requested: set[str] = set()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        for rec in self.store.all():
            if rec.status not in (PENDING, IN_PROGRESS):
                continue
            if self.store.rows(rec.id) is None:
                self._fail(rec.id, "interrupted by emulator restart (training data no longer available)")
                continue
            if rec.status == IN_PROGRESS:
                log.info("re-running %s, interrupted by an emulator restart", rec.id)
                self.store.update(rec.id, status=PENDING, progress=0.0, trained_tokens=0)
            self._queue.put(rec.id)
        self._thread = threading.Thread(target=self._loop, name="cortex-finetune", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._queue.put(None)
        for job_id in [r.id for r in self.store.all() if r.status == IN_PROGRESS]:
            self.cancel_requested.add(job_id)  # stop the engine; status stays IN_PROGRESS for restart
        if self._thread is not None:
            self._thread.join(timeout)

    def submit(self, rec: JobRecord, train: list[tuple[str, str]], valid: list[tuple[str, str]]) -> None:
        self.store.add(rec, train, valid)
        self._queue.put(rec.id)

    def cancel(self, job_id: str) -> None:
        rec = self.store.get(job_id)
        if rec is None or rec.status in TERMINAL:
            return
        self.cancel_requested.add(job_id)
        if rec.status == PENDING:
            self.store.update(job_id, status=CANCELLED, finished_on=now_ms())

    def _loop(self) -> None:
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            rec = self.store.get(job_id)
            if rec is None or rec.status != PENDING:
                continue
            try:
                self._run(rec)
            except Exception as exc:  # never let one job kill the worker
                log.exception("fine-tuning job %s failed", job_id)
                self._fail(job_id, f"internal error: {exc}")

    def _fail(self, job_id: str, message: str, code: str = "INTERNAL_ERROR") -> None:
        self.store.update(
            job_id, status=ERROR, finished_on=now_ms(), progress=0.0, error={"code": code, "message": message}
        )

    def check_limits(self, rec: JobRecord, train: list[tuple[str, str]]) -> None:
        """The documented row limit for the base model at this job's epochs (rows, not bytes)."""
        spec = known(rec.base_model)
        epochs = rec.options.get("max_epochs")
        limit = spec.row_limit(epochs)
        if limit is not None and len(train) > limit:
            # Snowflake's text for this is undocumented: ours names the numbers and the fixes.
            raise LimitError(
                f"Training data has {len(train)} rows, over the row limit of {limit} for base model "
                f"{spec.name} at {epochs or 'the default 3'} epochs ({spec.rows_one_epoch} rows for 1 epoch "
                "divided by epochs). Sample the data or lower max_epochs."
            )

    def prepare_rows(
        self, rec: JobRecord, train: list[tuple[str, str]], valid: list[tuple[str, str]]
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
        """Training and validation rows as the job uses them (truncated to the model's split) and how
        many rows were truncated."""
        spec = known(rec.base_model)
        count = self.engine.count_tokens
        cut = 0
        out: list[list[tuple[str, str]]] = []
        for rows in (train, valid):
            kept: list[tuple[str, str]] = []
            for prompt, completion in rows:
                pair = truncate_pair(spec, prompt, completion, count)
                cut += pair.truncated
                kept.append((pair.prompt, pair.completion))
            out.append(kept)
        return out[0], out[1], cut

    def _run(self, rec: JobRecord) -> None:
        rows = self.store.rows(rec.id)
        if rows is None:
            self._fail(rec.id, "training data no longer available")
            return
        if rec.deferred_error is not None:  # the data failed at CREATE: Snowflake reports it here
            err = rec.deferred_error
            self._fail(rec.id, str(err.get("message")), str(err.get("code") or "INVALID_PARAMETER_VALUE"))
            return
        train, valid = rows
        self.store.update(rec.id, status=IN_PROGRESS, attempts=rec.attempts + 1)
        try:
            self.check_limits(rec, train)
        except LimitError as exc:
            self._fail(rec.id, str(exc), "INVALID_PARAMETER_VALUE")
            return
        if rec.validation_data is None and not valid:
            # split before truncation: the held-out rows are chosen by the rows' full text (billing.py)
            train, valid = billing.auto_split(train)
        train, valid, cut = self.prepare_rows(rec, train, valid)
        if cut:
            log.warning("%s: %d rows truncated to %s's prompt/completion split", rec.id, cut, rec.base_model)
            self.store.update(rec.id, truncated_rows=cut)
        out = self.adapters_root / rec.id
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        job = TrainingJob(
            job_id=rec.id,
            base_model=rec.base_model,
            model_name=rec.model,
            training_rows=train,
            validation_rows=valid,
            options=dict(rec.options),
            output_dir=out,
        )
        spec = known(rec.base_model)
        epochs = billing.epochs_for(rec.options, len(train))
        billed = billing.trained_tokens(self.engine, spec, train, epochs)
        try:
            result = self.engine.train(job, _Reporter(self, rec.id, billed))
        except JobCancelled:
            shutil.rmtree(out, ignore_errors=True)
            if self._stopping.is_set():
                return  # server shutdown: left IN_PROGRESS, re-run on the next start
            self.store.update(rec.id, status=CANCELLED, finished_on=now_ms())
            return
        except Exception as exc:
            shutil.rmtree(out, ignore_errors=True)
            self._fail(rec.id, f"training failed: {exc}")
            return
        if rec.id in self.cancel_requested:
            shutil.rmtree(out, ignore_errors=True)
            self.store.update(rec.id, status=CANCELLED, finished_on=now_ms())
            return
        try:
            self.on_success(rec, out)
        except Exception as exc:
            shutil.rmtree(out, ignore_errors=True)
            self._fail(rec.id, f"could not create model {rec.model}: {getattr(exc, 'msg', exc)}")
            return
        training_result = {"validation_loss": result.validation_loss, "training_loss": result.training_loss}
        trained_epochs = int(result.details.get("epochs") or epochs)
        if trained_epochs != epochs:  # bill the epochs the engine really trained
            billed = billing.trained_tokens(self.engine, spec, train, trained_epochs)
        stats = dict(result.details, engine_trained_tokens=int(result.trained_tokens), billed_trained_tokens=billed,
                     training_rows=len(train), validation_rows=len(valid))
        log.info("job %s: billed %d trained tokens (COUNT_TOKENS rule, %d rows x %d epochs); the %s engine "
                 "processed %d tokens", rec.id, billed, len(train), trained_epochs, self.engine.name,
                 int(result.trained_tokens))
        self.store.update(
            rec.id,
            status=SUCCESS,
            progress=1.0,
            trained_tokens=billed,
            engine_stats=stats,
            training_result=training_result,
            finished_on=now_ms(),
        )
