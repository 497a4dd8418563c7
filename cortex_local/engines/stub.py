"""The `stub` engine: deterministic and fast, and it says so — it trains nothing.

Its adapter directory holds one small JSON manifest that states it is a stub; COMPLETE answers with a
string that names the base model and, for a fine-tuned model, the adapter, so tests can tell them
apart. Token counts follow Cortex's documented rule of thumb: about four characters per token.

FINETUNE option `stub_recall: true` makes a deterministic stand-in for learning: the manifest keeps the
training pairs, and COMPLETE of a prompt the model was trained on answers that pair's completion (a
model that learned its training set exactly, and nothing beyond it). Tests of a distillation chain use
it: a teacher recalls its gold rows, a student recalls its teacher's labels.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from pathlib import Path

from cortex_local.engines.base import ProgressReporter, TrainingJob, TrainingResult

MANIFEST = "stub_adapter.json"
DEFAULT_STEPS = 4
# seconds each progress step sleeps; FINETUNE option `stub_step_seconds` overrides it per job
STEP_SECONDS_ENV = "CORTEX_LOCAL_STUB_STEP_SECONDS"
RECALL_OPTION = "stub_recall"


# Snowflake chooses the epochs when max_epochs is absent and does not say how; its row-limit table assumes
# 3 (docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning), so every engine trains 3 and
# the bill follows (cortex/billing.py) -- the number a plan assumes, whatever the data's size.
DOCUMENTED_DEFAULT_EPOCHS = 3


def default_epochs(n_rows: int) -> int:
    """Epochs a job trains when max_epochs is absent: the documented default, for any `n_rows`."""
    return DOCUMENTED_DEFAULT_EPOCHS


class StubEngine:
    name = "stub"

    def backing_model(self, base_model: str) -> str:
        return f"stub:{base_model} (no weights; deterministic text only)"

    def count_tokens(self, base_model: str, text: str) -> int:
        return math.ceil(len(text or "") / 4)

    def train(self, job: TrainingJob, reporter: ProgressReporter) -> TrainingResult:
        epochs = int(job.options.get("max_epochs") or default_epochs(len(job.training_rows)))
        step_seconds = float(job.options.get("stub_step_seconds", os.environ.get(STEP_SECONDS_ENV, "0.05")))
        input_tokens = sum(
            self.count_tokens(job.base_model, p) + self.count_tokens(job.base_model, c)
            for p, c in job.training_rows
        )
        total = input_tokens * epochs
        reporter.report(0.0, 0)
        for step in range(1, DEFAULT_STEPS + 1):
            time.sleep(step_seconds)
            reporter.report(step / DEFAULT_STEPS, total * step // DEFAULT_STEPS)
        digest = hashlib.sha256(json.dumps([job.base_model, job.training_rows, epochs]).encode()).hexdigest()[
            :12
        ]
        job.output_dir.mkdir(parents=True, exist_ok=True)
        (job.output_dir / MANIFEST).write_text(
            json.dumps(
                {
                    "engine": "stub",
                    "trained": False,
                    "note": "the stub engine trains nothing; this file is its whole adapter",
                    "base_model": job.base_model,
                    "model": job.model_name,
                    "rows": len(job.training_rows),
                    "epochs": epochs,
                    "digest": digest,
                    **({"recall": dict(job.training_rows)} if job.options.get(RECALL_OPTION) else {}),
                },
                indent=2,
            )
        )
        return TrainingResult(
            trained_tokens=total,
            training_loss=round(1.0 / (1 + epochs), 4),
            validation_loss=round(1.2 / (1 + epochs), 4) if job.validation_rows else None,
            details={"epochs": epochs, "steps": DEFAULT_STEPS, "engine": "stub"},
        )

    def complete(self, base_model: str, adapter_dir: Path | None, prompt: str, max_tokens: int) -> str:
        tag = f"stub:{base_model}"
        limit = max(16, max_tokens * 4)
        if adapter_dir is not None:
            model = adapter_dir.name
            manifest = adapter_dir / MANIFEST
            if manifest.is_file():
                info = json.loads(manifest.read_text())
                model = info.get("model", model)
                recalled = (info.get("recall") or {}).get(prompt)
                if recalled is not None:
                    return str(recalled)[:limit]
            tag += f"+adapter:{model}"
        digest = hashlib.sha256(f"{tag}\n{prompt}".encode()).hexdigest()[:8]
        words = " ".join((prompt or "").split()[:8])
        return f"[{tag}] {digest} {words}"[:limit]
