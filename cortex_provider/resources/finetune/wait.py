"""Waiting for a fine-tuning job: DESCRIBE with capped backoff, throttled progress logs, a deadline.

Clock, sleep and the log sink are injectable so tests run in milliseconds. The defaults can be tuned
per provider process through environment variables (the provider runs as its own process):
CORTEX_PROVIDER_POLL_INITIAL_S, CORTEX_PROVIDER_POLL_MAX_S, CORTEX_PROVIDER_PROGRESS_LOG_S.

A timeout never cancels the job: it is paid work that keeps running in Snowflake, and the next
`pulumi up` adopts it (see finetune/lookup.py). Cancelling silently would waste what was already spent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cortex_provider.errors import CortexProviderError, SnowflakeUnreachable
from cortex_provider.session import Session
from cortex_provider.sql.parse_cortex import FinetuneJob, FinetuneStatus

LogSink = Callable[[str], None]
# Set when the provider process is shutting down (Ctrl-C reaches every process of the terminal's group):
# a wait then ends at once instead of keeping the process alive until the job finishes.
STOPPING = threading.Event()


def stop_waits_at_exit() -> None:
    """In a provider process: end every wait when the interpreter starts shutting down, before it
    joins the worker threads that run them (threading runs these hooks first, newest first)."""
    register = getattr(threading, "_register_atexit", None)
    if register is not None and not getattr(stop_waits_at_exit, "done", False):
        register(_stop)
        stop_waits_at_exit.done = True  # type: ignore[attr-defined]


def _stop() -> None:
    """Runs in the main thread as the interpreter shuts down: end the waits, and let the connector's
    own exit hook (it closes its Snowflake session) finish although the CLI interrupts again."""
    STOPPING.set()
    with contextlib.suppress(ValueError):  # not the main thread: nothing to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _sleep(seconds: float) -> None:
    STOPPING.wait(seconds)


def _pulumi_info(msg: str) -> None:
    import pulumi

    pulumi.log.info(msg)


def _pulumi_warn(msg: str) -> None:
    import pulumi

    pulumi.log.warn(msg)


def _env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass
class WaitPolicy:
    initial_s: float = field(default_factory=lambda: _env("CORTEX_PROVIDER_POLL_INITIAL_S", 5.0))
    factor: float = 1.5
    max_s: float = field(default_factory=lambda: _env("CORTEX_PROVIDER_POLL_MAX_S", 60.0))
    log_every_s: float = field(default_factory=lambda: _env("CORTEX_PROVIDER_PROGRESS_LOG_S", 30.0))
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = _sleep
    log: LogSink = _pulumi_info
    warn: LogSink = _pulumi_warn


class JobFailed(CortexProviderError):
    """The job ended ERROR or CANCELLED; the message carries Cortex's own error text."""

    def __init__(self, model: str, job: FinetuneJob) -> None:
        self.job = job
        why = job.error_message or "no error text was returned"
        super().__init__(
            f"fine-tuning job {job.id} for model {model} ended {job.status.value}: {why}. "
            "Nothing was created; fix the cause and run `pulumi up` again (a new job will be started)."
        )


class WaitTimeout(CortexProviderError):
    def __init__(self, model: str, job: FinetuneJob, minutes: float) -> None:
        self.job = job
        super().__init__(
            f"fine-tuning job {job.id} for model {model} did not reach the awaited state within "
            f"timeout_minutes={minutes:g} (status {job.status.value}, {describe_progress(job)}). "
            "The job was NOT cancelled and keeps running in Snowflake; the next `pulumi up` adopts it "
            "instead of starting another, or cancel it with "
            f"SELECT SNOWFLAKE.CORTEX.FINETUNE('CANCEL', '{job.id}')."
        )


class WaitInterrupted(CortexProviderError):
    """Snowflake stopped answering while the job was awaited (the session's retries are bounded)."""

    def __init__(self, model: str, job: FinetuneJob, cause: SnowflakeUnreachable) -> None:
        self.job = job
        super().__init__(
            f"lost Snowflake while waiting for fine-tuning job {job.id} for model {model} (last seen "
            f"{job.status.value}, {describe_progress(job)}): {cause.message}. The job was NOT cancelled and "
            "keeps running in Snowflake; once Snowflake answers, the next `pulumi up` adopts it instead of "
            "starting another."
        )


class WaitStopped(CortexProviderError):
    """The provider process was told to stop (Ctrl-C) while it waited."""

    def __init__(self, model: str, job: FinetuneJob) -> None:
        self.job = job
        super().__init__(
            f"stopped while waiting for fine-tuning job {job.id} for model {model} ({job.status.value}). The "
            "job was NOT cancelled and keeps running in Snowflake; the next `pulumi up` adopts it."
        )


def describe_progress(job: FinetuneJob) -> str:
    parts = [f"{(job.progress or 0.0) * 100:.0f}%"]
    if job.trained_tokens is not None:
        parts.append(f"{job.trained_tokens} trained tokens")
    if job.validation_loss is not None:
        parts.append(f"validation loss {job.validation_loss:g}")
    return ", ".join(parts)


def reached(job: FinetuneJob, wait: str) -> bool:
    """Whether `job` satisfies the spec's `wait` mode (terminal states always end the wait)."""
    if job.status.is_terminal or wait == "none":
        return True
    if wait == "running":
        return job.status != FinetuneStatus.PENDING
    return False


def wait_for(
    session: Session,
    model: str,
    job: FinetuneJob,
    wait: str,
    timeout_minutes: float | None,
    policy: WaitPolicy,
    describe: Callable[[Session, str], FinetuneJob | None],
) -> FinetuneJob:
    """Poll until `reached`; raise JobFailed on ERROR/CANCELLED and WaitTimeout past the deadline."""
    start = policy.clock()
    deadline = None if timeout_minutes is None else start + timeout_minutes * 60.0
    delay = policy.initial_s
    last_log: float | None = None
    while True:
        if job.status in (FinetuneStatus.ERROR, FinetuneStatus.CANCELLED):
            raise JobFailed(model, job)
        if reached(job, wait):
            if wait != "none":
                policy.log(f"{model}: job {job.id} {job.status.value} ({describe_progress(job)})")
            return job
        now = policy.clock()
        if last_log is None or now - last_log >= policy.log_every_s:
            policy.log(f"{model}: job {job.id} {job.status.value}, {describe_progress(job)}")
            last_log = now
        if deadline is not None and now >= deadline:
            raise WaitTimeout(model, job, timeout_minutes or 0)
        pause = delay if deadline is None else max(0.0, min(delay, deadline - now))
        policy.sleep(pause)
        if STOPPING.is_set():
            raise WaitStopped(model, job)
        delay = min(policy.max_s, delay * policy.factor)
        try:
            latest = describe(session, job.id)
        except SnowflakeUnreachable as exc:
            raise WaitInterrupted(model, job, exc) from None
        if latest is None:  # purged while we waited: the model's existence decides (caller checks)
            return job
        job = latest
