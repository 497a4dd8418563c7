"""The SDK's final wait for a program's Outputs (pulumi.runtime.stack.wait_for_rpcs), run as it runs at
the end of every program: once installed it takes one pass over Outputs that finish one by one (the
SDK's own loop takes a pass per completion, quadratic in the stack's size), and a failed Output still
ends the wait at once with its error."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pulumi.runtime.stack as sdk_stack
import pytest
from pulumi.runtime.settings import SETTINGS

from cortex_provider.pulumi import output_wait

OUTPUTS = 200


class _CountingWait:
    """The stack module's `asyncio`, counting the passes of its final wait."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.passes = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def wait(self, tasks: Any, **kwargs: Any) -> Any:
        self.passes += 1
        return await self.inner.wait(tasks, **kwargs)


def _final_wait(make: Callable[[], list[Awaitable[Any]]], monkeypatch: pytest.MonkeyPatch,
                installed: bool) -> tuple[int, BaseException | None]:
    """Track `make()`'s coroutines as pending Outputs, run the SDK's final wait; passes and its error."""
    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)
    if installed:
        output_wait.install()
    counter = _CountingWait(sdk_stack.asyncio)
    monkeypatch.setattr(sdk_stack, "asyncio", counter)

    async def run() -> BaseException | None:
        tasks = [asyncio.ensure_future(c) for c in make()]
        with SETTINGS.lock:
            SETTINGS.outputs.update(tasks)
        try:
            await sdk_stack.wait_for_rpcs()
            return None
        except Exception as exc:  # the error the wait re-raised is what is checked
            return exc
        finally:
            for task in tasks:
                task.cancel()
            with SETTINGS.lock:
                SETTINGS.outputs.clear()

    error = asyncio.run(run())
    return counter.passes, error


def _one_by_one() -> list[Awaitable[Any]]:
    return [asyncio.sleep(0.0005 * i) for i in range(OUTPUTS)]


def test_installed_outputs_finishing_one_by_one_take_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    passes, error = _final_wait(_one_by_one, monkeypatch, installed=True)
    assert error is None and passes <= 2


def test_the_sdk_alone_takes_a_pass_per_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why output_wait exists: if this starts failing, the SDK fixed its loop and the patch can go."""
    passes, error = _final_wait(_one_by_one, monkeypatch, installed=False)
    assert error is None and passes > OUTPUTS // 4


def test_a_failed_output_still_ends_the_wait_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("an Output failed")

    def make() -> list[Awaitable[Any]]:
        return [fails(), asyncio.sleep(30)]

    passes, error = _final_wait(make, monkeypatch, installed=True)
    assert isinstance(error, ValueError) and str(error) == "an Output failed"
    assert passes == 1


def test_install_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)
    output_wait.install()
    first = sdk_stack.asyncio
    output_wait.install()
    assert sdk_stack.asyncio is first and first is not asyncio
