"""The Python SDK's final wait for a program's Outputs, in one pass instead of one per completion.

When a program's body returns, pulumi.runtime.stack.wait_for_rpcs waits for every Output still
pending with `asyncio.wait(pending, return_when=FIRST_COMPLETED)` in a loop: each pass hangs a callback
on every pending Output, handles the few that finished, and starts over. During `up` resources finish
one by one, so a stack of n resources with k declared outputs each pays ~(n*k)^2/2 callback operations
(docs/scale.md: the larger part of the program's extra CPU at 1,000 resources). FIRST_EXCEPTION waits
for the whole batch in one pass and still returns at the first failed Output, which the SDK's loop then
re-raises as before; Outputs created meanwhile are picked up by its next pass, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pulumi.runtime.stack as sdk_stack


class _OnePassWait:
    """`asyncio` as the SDK's stack module sees it once installed: `wait` with FIRST_COMPLETED becomes
    FIRST_EXCEPTION; everything else is asyncio itself."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(tasks: Iterable[Any], *, timeout: float | None = None,
                   return_when: str = asyncio.ALL_COMPLETED) -> tuple[set[Any], set[Any]]:
        if return_when == asyncio.FIRST_COMPLETED:
            return_when = asyncio.FIRST_EXCEPTION
        return await asyncio.wait(tasks, timeout=timeout, return_when=return_when)


def install() -> None:
    """Make this process's final Output wait one pass (idempotent)."""
    if not isinstance(getattr(sdk_stack, "asyncio", None), _OnePassWait):
        sdk_stack.asyncio = _OnePassWait()  # type: ignore[attr-defined, assignment]
