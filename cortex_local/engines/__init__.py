"""Training/inference engines behind the emulator's Cortex functions, chosen by name."""

from __future__ import annotations

from cortex_local.engines.base import Engine, EngineUnavailable

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
