"""The program tests run under `pulumi.runtime.set_mocks`, which creates futures on the current event
loop. Each test gets a fresh loop of its own: the suite runs files in any order on its workers
(pytest-xdist), and a file that used `asyncio.run` before (tests/unit/test_plugin.py) leaves the main
thread with no current loop, where `set_mocks` then failed ("There is no current event loop")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def event_loop_for_mocks() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()
