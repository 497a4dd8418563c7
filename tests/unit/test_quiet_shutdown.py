"""A provider process that is ending: the refusal its gRPC thread pool gives a late call (the CLI's
Cancel after a Ctrl-C) prints nothing, and every other thread error keeps its traceback."""

from __future__ import annotations

import concurrent.futures.thread as pool_module
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from cortex_provider.pulumi.messages import quiet_after_shutdown


def _raised_in_thread(work: object, monkeypatch: pytest.MonkeyPatch) -> list[BaseException | None]:
    """Run `work` in a thread under quiet_after_shutdown; what reached the default hook."""
    reported: list[BaseException | None] = []
    monkeypatch.setattr(threading, "__excepthook__", lambda args: reported.append(args.exc_value))
    monkeypatch.setattr(threading, "excepthook", quiet_after_shutdown)
    thread = threading.Thread(target=work)  # type: ignore[arg-type]
    thread.start()
    thread.join()
    return reported


def test_a_call_refused_at_interpreter_shutdown_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(pool_module, "_shutdown", True)  # what the interpreter sets as it shuts down
    try:
        assert _raised_in_thread(lambda: pool.submit(print), monkeypatch) == []
    finally:
        monkeypatch.setattr(pool_module, "_shutdown", False)
        pool.shutdown()


def test_any_other_thread_error_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug() -> None:
        raise RuntimeError("a bug in a provider thread")

    reported = _raised_in_thread(bug, monkeypatch)
    assert [str(e) for e in reported] == ["a bug in a provider thread"]
