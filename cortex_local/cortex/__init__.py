"""Cortex features of the emulator: FINETUNE jobs, COMPLETE/COUNT_TOKENS, shares, replication.

`setup(server)` is called once at server start (cortex_local.__main__ and the test fixtures). It
attaches a CortexService as `server.cortex`, installs the SQL functions in every account's DuckDB,
starts the background fine-tuning worker and the replication scheduler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cortex_local.server import EmulatorServer


def setup(server: EmulatorServer, catalogue: str = "current", describe_options: bool = False) -> None:
    from cortex_local.cortex.replication import ReplicationScheduler
    from cortex_local.cortex.service import CortexService

    if getattr(server, "cortex", None) is not None:
        return
    service = CortexService(server, catalogue, describe_options)
    server.cortex = service  # type: ignore[attr-defined]
    service.start()
    scheduler = ReplicationScheduler(server)
    server.cortex_replication = scheduler  # type: ignore[attr-defined]
    scheduler.start()
    server.on_shutdown(scheduler.stop)
