"""How a pickled provider comes back to life in the dynamic-provider process.

The engine's provider process unpickles `__provider` on several gRPC threads at once; importing the
provider modules (and the connector under them) from two threads at the same time was seen to fail
with `KeyError: 'snowflake.connector'` under the real engine. So providers pickle as a reference to
their class, and this tiny module imports that class -- and the connector, which the providers import
lazily when they first connect -- under one process-wide lock, before any provider method runs.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

_IMPORT_LOCK = threading.Lock()


def restore_provider(module: str, qualname: str) -> Any:
    """A fresh provider instance of `module.qualname` (providers keep no per-instance state)."""
    with _IMPORT_LOCK:
        cls = getattr(importlib.import_module(module), qualname)
        importlib.import_module("snowflake.connector")
    return cls()
