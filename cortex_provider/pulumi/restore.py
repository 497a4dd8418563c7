"""How a pickled provider comes back to life in the dynamic-provider process.

The engine's provider process unpickles `__provider` on several gRPC threads at once; importing the
provider modules (and the connector under them) from two threads at the same time was seen to fail
with `KeyError: 'snowflake.connector'` under the real engine. So providers pickle as a reference to
their class, and this tiny module imports that class under one process-wide lock, before any provider
method runs. The connector is imported by the first connection, under a lock of its own
(session._default_connect): a process that sends no SQL (a no-op preview) never loads it.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

_IMPORT_LOCK = threading.Lock()
# Modules of this package are pickled relative to it (`.grants`): the pickle is stored twice in every
# resource's state (inputs and outputs) and sent with every call, and the package name was a fifth of it.
PACKAGE = "cortex_provider.pulumi"


def relative_module(module: str) -> str:
    """`cortex_provider.pulumi.grants` -> `.grants`; any other module as it is."""
    return module.removeprefix(PACKAGE) if module.startswith(PACKAGE + ".") else module


def restore_provider(module: str, qualname: str) -> Any:
    """A fresh provider instance of `module.qualname` (providers keep no per-instance state). `module` is
    absolute (as pickled before relative names, still in older states) or relative to PACKAGE."""
    start = time.perf_counter()
    with _IMPORT_LOCK:
        cls = getattr(importlib.import_module(module, PACKAGE), qualname)
    from cortex_provider.pulumi import timings  # imported by now (the provider modules import it)

    timings.add("unpickle", time.perf_counter() - start)
    return cls()
