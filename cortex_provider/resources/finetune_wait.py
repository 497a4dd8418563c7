"""Waiting for a fine-tuning job: DESCRIBE with capped backoff, throttled progress logs, a deadline.

Clock, sleep and the log sink are injectable so tests run in milliseconds. The defaults can be tuned
per provider process through environment variables (the provider runs as its own process):
CORTEX_PROVIDER_POLL_INITIAL_S, CORTEX_PROVIDER_POLL_MAX_S, CORTEX_PROVIDER_PROGRESS_LOG_S.

A timeout never cancels the job: it is paid work that keeps running in Snowflake, and the next
`pulumi up` adopts it (see finetune_lookup). Cancelling silently would waste what was already spent.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cortex_provider.errors import CortexProviderError
from cortex_provider.session import Session
from cortex_provider.sql.parse_cortex import FinetuneJob, FinetuneStatus

LogSink = Callable[[str], None]


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
    sleep: Callable[[float], None] = time.sleep
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
        delay = min(policy.max_s, delay * policy.factor)
        latest = describe(session, job.id)
        if latest is None:  # purged while we waited: the model's existence decides (caller checks)
            return job
        job = latest
