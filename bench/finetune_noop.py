"""Round trips for a no-op refresh + preview of 10 SUCCESS FineTunedModels (goal <= 2 per model).

Runs the offline runner (the real program path: the SDK's provider server over gRPC) against a fresh
emulator (stub engine), creates 10 models in one schema, then counts the statements the emulator
logged during `refresh` and `preview`. The provider keeps one SHOW MODELS per schema per process
(short-lived cache), so a SUCCESS model needs no DESCRIBE at all. The uncached figure
(CORTEX_PROVIDER_MODEL_CACHE_S=0) is printed for comparison.

    python bench/finetune_noop.py [--models 10]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Emulator  # noqa: E402
from tests.resources.finetune_support import seed  # noqa: E402

PROGRAM = """\
import json
from pathlib import Path

from cortex_provider.pulumi.finetuned_model import FineTunedModel

for m in json.loads(Path(__file__).with_name("models.json").read_text()):
    FineTunedModel(m.pop("resource"), **m)
"""


class BenchProject:
    """A Pulumi project dir whose program declares the FineTunedModels listed in models.json."""

    def __init__(self, root: Path, emulator: Emulator, account: str) -> None:
        self.dir = root / "proj"
        (self.dir / "stacks").mkdir(parents=True)
        (self.dir / "Pulumi.yaml").write_text("name: cortex\nruntime: python\nstackConfigDir: stacks\n")
        (self.dir / "__main__.py").write_text(PROGRAM)
        (self.dir / "stacks" / "Pulumi.bench.yaml").write_text(textwrap.dedent(f"""\
            config:
              cortex:account: {account}
              cortex:user: ADMIN
              cortex:password: admin
              cortex:host: {emulator.host}
              cortex:port: "{emulator.port}"
              cortex:protocol: http
            """))
        os.environ.setdefault("PULUMI_CONFIG_PASSPHRASE", "bench")
        os.environ.setdefault("CORTEX_PROVIDER_POLL_INITIAL_S", "0.05")
        os.environ.setdefault("CORTEX_PROVIDER_POLL_MAX_S", "0.2")
        os.environ.setdefault("CORTEX_PROVIDER_PROGRESS_LOG_S", "1")
        self.lines: list[str] = []

    def models(self, models: list[dict[str, Any]]) -> None:
        (self.dir / "models.json").write_text(json.dumps(models))

    def run(self, command: str) -> Any:
        from cortex_provider.offline import run_destroy, run_preview, run_refresh, run_up

        fn = {"up": run_up, "preview": run_preview, "refresh": run_refresh, "destroy": run_destroy}[command]
        return fn(self.dir, "bench", printer=self.lines.append)


def model(i: int, **over: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"resource": f"m{i}", "model_name": f"M{i}", "database": "DB", "schema_name": "S",
                         "base_model": "mistral-7b", "training_query": "SELECT prompt, completion FROM DB.S.TRAIN",
                         "options": {"max_epochs": 1}}
    m.update(over)
    return m


def statements(emulator: Emulator, account: str) -> list[str]:
    return [str(e["statement"]) for e in emulator.query_log(account)]


def measure(emulator: Emulator, root: Path, n: int, cache_s: str | None) -> tuple[int, int, dict[str, int]]:
    account = emulator.new_account()
    seed(emulator.connect(account=account))
    proj = BenchProject(root / account, emulator, account)
    proj.models([model(i) for i in range(n)])
    res = proj.run("up")
    assert res.ok, res.errors
    if cache_s is None:
        os.environ.pop("CORTEX_PROVIDER_MODEL_CACHE_S", None)
    else:
        os.environ["CORTEX_PROVIDER_MODEL_CACHE_S"] = cache_s
    before = len(statements(emulator, account))
    refreshed = proj.run("refresh")
    mid = len(statements(emulator, account))
    previewed = proj.run("preview")
    after = statements(emulator, account)
    os.environ.pop("CORTEX_PROVIDER_MODEL_CACHE_S", None)
    assert refreshed.ok and previewed.ok, (refreshed.errors, previewed.errors)
    assert set(previewed.ops().values()) <= {"same"}, previewed.ops()
    kinds: dict[str, int] = {}
    for text in after[before:]:
        key = " ".join(text.split()[:3])[:40]
        kinds[key] = kinds.get(key, 0) + 1
    return mid - before, len(after) - mid, kinds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(Path(tmp) / "data", engine="stub")
        emu.start()
        try:
            for label, cache in (("cached (default)", None), ("uncached (CACHE_S=0)", "0")):
                refresh, preview, kinds = measure(emu, Path(tmp), args.models, cache)
                total = refresh + preview
                print(f"finetune_noop {label}: {args.models} SUCCESS models, refresh={refresh} statements, "
                      f"preview={preview} statements, total={total} ({total / args.models:.2f} per model; "
                      f"goal <= 2) kinds={kinds}")
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
