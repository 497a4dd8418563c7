"""wait_for with an injected clock/sleep: backoff, progress logs at most every 30 s, timeout text."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.resources.finetune.wait import JobFailed, WaitPolicy, WaitTimeout, wait_for
from cortex_provider.sql.parse_cortex import FinetuneJob, FinetuneStatus


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def _job(status: str, progress: float = 0.0, **kw: Any) -> FinetuneJob:
    return FinetuneJob(id="ft_1", status=FinetuneStatus(status), progress=progress, **kw)


def _policy(clock: FakeClock, logs: list[str]) -> WaitPolicy:
    return WaitPolicy(initial_s=5.0, factor=1.5, max_s=60.0, log_every_s=30.0, clock=clock,
                      sleep=clock.sleep, log=logs.append, warn=logs.append)


def test_backoff_and_throttled_progress_logs() -> None:
    clock, logs = FakeClock(), []
    # IN_PROGRESS for ~10 simulated minutes, then SUCCESS
    def describe(_s: Any, _id: str) -> FinetuneJob:
        if clock.now < 600:
            return _job("IN_PROGRESS", clock.now / 600, trained_tokens=int(clock.now), validation_loss=0.5)
        return _job("SUCCESS", 1.0, trained_tokens=600)

    done = wait_for(None, "DB.S.M", _job("PENDING"), "succeeded", None, _policy(clock, logs), describe)  # type: ignore[arg-type]
    assert done.status == FinetuneStatus.SUCCESS
    assert clock.sleeps[:3] == [5.0, 7.5, 11.25] and max(clock.sleeps) == 60.0
    progress = [line for line in logs if "IN_PROGRESS" in line or "PENDING" in line]
    assert 1 < len(progress) <= 600 / 30 + 1
    assert any("validation loss 0.5" in line and "trained tokens" in line for line in progress)
    assert logs[-1].endswith("(100%, 600 trained tokens)")


def test_timeout_does_not_cancel_and_says_so() -> None:
    clock, logs = FakeClock(), []
    with pytest.raises(WaitTimeout) as err:
        wait_for(None, "DB.S.M", _job("IN_PROGRESS", 0.25), "succeeded", 2.0, _policy(clock, logs),  # type: ignore[arg-type]
                 lambda _s, _i: _job("IN_PROGRESS", 0.25))
    assert clock.now == pytest.approx(120.0)
    assert "NOT cancelled" in str(err.value) and "25%" in str(err.value)


def test_error_carries_cortex_text() -> None:
    clock, logs = FakeClock(), []
    failed = _job("ERROR", error={"message": "Row 7 is too long"})
    with pytest.raises(JobFailed, match="ended ERROR: Row 7 is too long"):
        wait_for(None, "DB.S.M", _job("PENDING"), "succeeded", None, _policy(clock, logs),  # type: ignore[arg-type]
                 lambda _s, _i: failed)


@pytest.mark.parametrize("wait,status,done", [("none", "PENDING", True), ("running", "PENDING", False),
                                              ("running", "IN_PROGRESS", True),
                                              ("succeeded", "IN_PROGRESS", False)])
def test_wait_modes(wait: str, status: str, done: bool) -> None:
    from cortex_provider.resources.finetune.wait import reached

    assert reached(_job(status), wait) is done
