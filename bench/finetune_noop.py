"""Round trips for a no-op refresh + preview of 10 SUCCESS FineTunedModels (goal <= 2 per model).

Runs a program of 10 FineTunedModels on the real Pulumi engine (cortex_provider.engine: Automation API
over the `pulumi` CLI, the dynamic-provider plugin) against a fresh emulator (stub engine), creates
the models in one schema, then counts the statements the emulator logged during `refresh` and
`preview`, and times both. The provider keeps one SHOW MODELS per schema per process
(short-lived cache), so a SUCCESS model needs no DESCRIBE at all. The uncached figure
(CORTEX_PROVIDER_MODEL_CACHE_S=0) is printed for comparison.

    python bench/finetune_noop.py [--models 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cortex_provider.engine import VerbResult  # noqa: E402
from tests.conftest import Emulator  # noqa: E402
from tests.e2e.programs import ProgramProject  # noqa: E402
from tests.resources.finetune_support import seed  # noqa: E402

PROGRAM = """\
import json
from pathlib import Path

from cortex_provider.pulumi.finetuned_model import FineTunedModel

for m in json.loads(Path(__file__).with_name("models.json").read_text()):
    FineTunedModel(m.pop("resource"), **m)
"""


class BenchProject(ProgramProject):
    """Stack `bench` of a project whose program declares the FineTunedModels listed in models.json."""

    def __init__(self, root: Path, emulator: Emulator, account: str) -> None:
        super().__init__(root / "proj", emulator, account, "bench", PROGRAM)
        self.env["CORTEX_PROVIDER_PROGRESS_LOG_S"] = "1"

    def models(self, models: list[dict[str, Any]]) -> None:
        (self.dir / "models.json").write_text(json.dumps(models))

    def timed(self, verb: str) -> tuple[VerbResult, float]:
        t0 = time.monotonic()
        result = self.run(verb)
        assert result.ok, f"{verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
        return result, time.monotonic() - t0


def model(i: int, **over: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"resource": f"m{i}", "model_name": f"M{i}", "database": "DB", "schema_name": "S",
                         "base_model": "mistral-7b", "training_query": "SELECT prompt, completion FROM DB.S.TRAIN",
                         "options": {"max_epochs": 1}}
    m.update(over)
    return m


def statements(emulator: Emulator, account: str) -> list[str]:
    return [str(e["statement"]) for e in emulator.query_log(account)]


def measure(emulator: Emulator, root: Path, n: int, cache_s: str | None) -> dict[str, Any]:
    account = emulator.new_account()
    seed(emulator.connect(account=account))
    proj = BenchProject(root / account, emulator, account)
    proj.models([model(i) for i in range(n)])
    _, up_s = proj.timed("up")
    if cache_s is not None:
        proj.stack().workspace.env_vars["CORTEX_PROVIDER_MODEL_CACHE_S"] = cache_s
    before = len(statements(emulator, account))
    _, refresh_s = proj.timed("refresh")
    mid = len(statements(emulator, account))
    previewed, preview_s = proj.timed("preview")
    after = statements(emulator, account)
    assert set(previewed.ops().values()) <= {"same"}, previewed.ops()
    kinds: dict[str, int] = {}
    for text in after[before:]:
        key = " ".join(text.split()[:3])[:40]
        kinds[key] = kinds.get(key, 0) + 1
    return {"refresh": mid - before, "preview": len(after) - mid, "kinds": kinds, "up_s": up_s,
            "refresh_s": refresh_s, "preview_s": preview_s}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "data", engine="stub")
        emu.start()
        try:
            for label, cache in (("cached (default)", None), ("uncached (CACHE_S=0)", "0")):
                m = measure(emu, Path(tmp), args.models, cache)
                total = m["refresh"] + m["preview"]
                print(f"finetune_noop {label}: {args.models} SUCCESS models, refresh={m['refresh']} statements, "
                      f"preview={m['preview']} statements, total={total} ({total / args.models:.2f} per model; "
                      f"goal <= 2) kinds={m['kinds']}; real engine: up {m['up_s']:.1f} s, "
                      f"refresh {m['refresh_s']:.1f} s, preview {m['preview_s']:.1f} s")
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
