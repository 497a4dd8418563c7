"""Training/inference engines behind the emulator's Cortex functions, chosen by name."""

from __future__ import annotations

import importlib.util
import os
import threading

from cortex_local.engines.base import Engine, EngineUnavailable

# OpenMP threads that finish a parallel region early sleep instead of spinning (libgomp reads this
# when torch loads it, so it is set before any engine imports torch): a spinning pool collapses as
# soon as another process wants a core (local_model.bound_threads). An explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ENGINE_NAMES = ("stub", "lora")
LORA_EXTRAS = ("torch", "transformers", "peft")


def _lora_extras_missing() -> str | None:
    """The first training extra that is not installed (found without importing anything)."""
    return next((mod for mod in LORA_EXTRAS if importlib.util.find_spec(mod) is None), None)


def _lora_unavailable(missing: str | None) -> EngineUnavailable:
    return EngineUnavailable(
        f"engine 'lora' needs the local training extras ({missing} is missing): "
        "run scripts/bootstrap.sh --local, or start the server with --engine stub"
    )


def load_engine(name: str, data_dir: str, deferred: bool = False) -> Engine:
    """Return the engine called `name`; the stub is never chosen implicitly. `deferred`: the lora engine
    loads on a background thread (engines/deferred.py) after a quick check that its extras are there."""
    if name == "stub":
        from cortex_local.engines.stub import StubEngine

        return StubEngine()
    if name == "lora" and deferred:
        missing = _lora_extras_missing()
        if missing is not None:
            raise _lora_unavailable(missing)
        from cortex_local.engines.deferred import DeferredEngine

        return DeferredEngine("lora", lambda: _lora_preparing(data_dir))
    if name == "lora":
        try:
            from cortex_local.engines.lora import LoraEngine
        except ImportError as exc:  # torch/transformers/peft missing
            raise _lora_unavailable(exc.name) from exc
        return LoraEngine(data_dir, warm_after_training=True)
    raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")


def _lora_preparing(data_dir: str) -> Engine:
    """The lora engine, its model cache converted on a thread once it is built: on a machine's first
    start (~40 s) that runs while command (1) seeds and the Pulumi CLI still builds, not inside the
    first training job; once cached it is a file check."""
    from cortex_local.engines import local_model as lm

    engine = load_engine("lora", data_dir)
    threading.Thread(target=lm.prepare_cache, args=(lm.default_cache_dir(data_dir),),
                     name="lora-prepare", daemon=True).start()
    return engine
