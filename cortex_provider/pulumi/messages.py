"""Expected failures reach the engine as their message, not inside a Python traceback.

The SDK's dynamic-provider server (`python -m pulumi.dynamic`) reports every exception a provider
raises as `traceback.format_exc()`. An error the provider raises on purpose (CortexProviderError,
SpecError: it names the object, what went wrong and the fix) is a message for the user; only anything
else, a bug, keeps its traceback. The server offers no hook, so `install` gives that module a
`traceback` whose format_exc says just the message of a deliberate error. The plugin's server
(plugin/server.py) uses `deliberate` the same way.

The same server's gRPC thread may still take a call (the CLI's Cancel after a Ctrl-C) once the
interpreter has begun to shut down; its thread pool then refuses the call and the thread prints a
traceback, which the CLI shows under the stack. The call is moot -- the process is ending -- so
`install` drops that one report and leaves every other thread's error as it was.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any

from cortex_provider.errors import CortexProviderError
from cortex_provider.resources.base import SpecError

DELIBERATE = (CortexProviderError, SpecError)
DYNAMIC_SERVER = "pulumi.dynamic.__main__"
# What concurrent.futures says to a submit once the interpreter began shutting down.
AFTER_SHUTDOWN = "after interpreter shutdown"


def deliberate(exc: BaseException | None) -> BaseException | None:
    """The deliberate error behind `exc` (itself, or a cause or context of it), if any."""
    seen = exc
    while seen is not None:
        if isinstance(seen, DELIBERATE):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class _MessageOnly:
    """The `traceback` module as the dynamic-provider server sees it once installed."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(*args: Any, **kwargs: Any) -> str:
        cause = deliberate(sys.exc_info()[1])
        return str(cause) if cause is not None else traceback.format_exc(*args, **kwargs)


def quiet_after_shutdown(args: threading.ExceptHookArgs) -> None:
    """threading.excepthook: a call refused because the process is ending says nothing."""
    if isinstance(args.exc_value, RuntimeError) and AFTER_SHUTDOWN in str(args.exc_value):
        return
    threading.__excepthook__(args)


def install() -> None:
    """In the SDK's dynamic-provider process: report deliberate errors by their message only."""
    server = sys.modules.get("__main__")
    spec = getattr(server, "__spec__", None)
    if server is None or getattr(spec, "name", None) != DYNAMIC_SERVER:
        return  # not the SDK's server (tests calling providers directly): nothing to change
    if not isinstance(getattr(server, "traceback", None), _MessageOnly):
        server.traceback = _MessageOnly()  # type: ignore[attr-defined]
    threading.excepthook = quiet_after_shutdown
