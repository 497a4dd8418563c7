"""Training/inference engines behind the emulator's Cortex functions, chosen by name."""

from __future__ import annotations

import os

from cortex_local.engines.base import Engine, EngineUnavailable

# OpenMP threads that finish a parallel region early sleep instead of spinning (libgomp reads this
# when torch loads it, so it is set before any engine imports torch): a spinning pool collapses as
# soon as another process wants a core (local_model.bound_threads). An explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ENGINE_NAMES = ("stub", "lora")


def load_engine(name: str, data_dir: str) -> Engine:
    """Return the engine called `name`; the stub is never chosen implicitly."""
    if name == "stub":
        from cortex_local.engines.stub import StubEngine

        return StubEngine()
    if name == "lora":
        try:
            from cortex_local.engines.lora import LoraEngine
        except ImportError as exc:  # torch/transformers/peft missing
            raise EngineUnavailable(
                f"engine 'lora' needs the local training extras ({exc.name} is missing): "
                "run scripts/bootstrap.sh --local, or start the server with --engine stub"
            ) from exc
        return LoraEngine(data_dir)
    raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")
