"""Cortex Fine-tuning's base-model catalogue and deprecation notice, with the date they were read.

No Pulumi, no SQL: the spec, the pre-flight, the provider's preview advisories and the policy pack
(policy/, cortex_provider/review/policies.py) all read this one table.

Sources (as read on CATALOGUE_DATE):
- FINETUNE('CREATE'), https://docs.snowflake.com/en/sql-reference/functions/finetune-create: the current
  list has one LLM base model, llama3.1-8b (plus arctic-extract, a Dataset-based document-extraction
  flow this provider does not drive). Earlier snapshots (2024-25) listed the six in LEGACY.
- Cortex Fine-tuning, https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning:
  "Cortex Fine-tuning is scheduled for deprecation in Q1 2027. For all LLM fine-tuning needs, use Cortex
  Training instead." Cortex Training is a preview REST interface (GPU sessions driven by user code), not
  a drop-in FINETUNE. The context split per model (longer pairs are truncated; llama3.1-70b's is 6k/2k of
  an 8k window), the row limits (effective limit = 1-epoch limit / epochs) and the training-data size
  limits ("Other considerations") come from the same page.
- llama3.2-1b / llama3.2-3b were never fine-tunable (NEVER_FINETUNABLE).

The docs do not say whether a legacy base model still trains: the provider never blocks adopting or
keeping a model on one; preview only advises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CATALOGUE_DATE = dt.date(2026, 11, 1)
DOCS = "https://docs.snowflake.com/en/sql-reference/functions/finetune-create"
DEPRECATION_NOTICE = ("Cortex Fine-tuning is scheduled for deprecation in Q1 2027; Snowflake says to use Cortex "
                      "Training instead (a preview REST interface, not a drop-in FINETUNE)")
DEPRECATION_WINDOW = (dt.date(2027, 1, 1), dt.date(2027, 3, 31))  # "Q1 2027": the exact day is undocumented
K = 1024
MB, GB = K * K, K * K * K
# Epochs (FINETUNE options, finetune-create): `max_epochs` is 1-10; left unset, Snowflake chooses the number
# and does not say how. The Cortex Fine-tuning page's row limits assume 3 when it is not given, so 3 is
# what every estimate assumes (plan, pre-flight, row limits; the emulator trains that many), and the plan
# bounds the cost at MAX_EPOCHS. Billing: trained tokens = input tokens x epochs trained (same page).
EPOCHS_RANGE = (1, 10)
DEFAULT_EPOCHS = 3
MAX_EPOCHS = EPOCHS_RANGE[1]
DEFAULT_EPOCHS_FOR_LIMIT = DEFAULT_EPOCHS
EPOCHS_RULE = (f"max_epochs unset: Snowflake chooses the epochs (1-{MAX_EPOCHS}); {DEFAULT_EPOCHS} assumed, as "
               "Snowflake's row-limit table does (docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning)")


def epochs_assumed(max_epochs: int | None) -> int:
    """The epochs an estimate counts: max_epochs when given, else the documented default."""
    return int(max_epochs) if max_epochs else DEFAULT_EPOCHS


def epochs_bound(max_epochs: int | None) -> int:
    """The most epochs the job may train: max_epochs when given, else the documented maximum."""
    return int(max_epochs) if max_epochs else MAX_EPOCHS


@dataclass(frozen=True)
class BaseModel:
    name: str
    prompt_tokens: int
    completion_tokens: int
    rows_one_epoch: int
    data_bytes: int  # the training data's size limit
    current: bool

    def row_limit(self, epochs: int | None) -> int:
        return self.rows_one_epoch // epochs_assumed(epochs)


MODELS: dict[str, BaseModel] = {m.name: m for m in (
    BaseModel("llama3.1-8b", 20 * K, 4 * K, 150_000, 1 * GB, current=True),
    BaseModel("llama3-8b", 6 * K, 2 * K, 186_000, 1 * GB, current=False),
    BaseModel("llama3-70b", 6 * K, 2 * K, 21_000, 250 * MB, current=False),
    BaseModel("llama3.1-70b", 6 * K, 2 * K, 13_500, 250 * MB, current=False),
    BaseModel("mistral-7b", 28 * K, 4 * K, 45_000, 1 * GB, current=False),
    BaseModel("mixtral-8x7b", 28 * K, 4 * K, 27_000, 250 * MB, current=False),
)}
CURRENT: tuple[str, ...] = tuple(n for n, m in MODELS.items() if m.current)
LEGACY: tuple[str, ...] = tuple(n for n, m in MODELS.items() if not m.current)
ACCEPTED: tuple[str, ...] = CURRENT + LEGACY  # a spec may name any (adoption of older models)
NEVER_FINETUNABLE = frozenset({"llama3.2-1b", "llama3.2-3b"})
DATASET_ONLY = frozenset({"arctic-extract"})  # FINETUNE on snow://dataset/... inputs, not prompt/completion


def model(name: str) -> BaseModel | None:
    return MODELS.get(name.strip().lower())


def rejection(name: str) -> str | None:
    """Why `name` cannot be a FineTunedModel's base model (None: it can)."""
    key = name.strip().lower()
    if key in MODELS:
        return None
    if key in NEVER_FINETUNABLE:
        return f"{name!r} was never fine-tunable in Cortex; use {', '.join(CURRENT)}"
    if key in DATASET_ONLY:
        return (f"{name!r} is fine-tuned from Snowflake Datasets (snow://dataset/...) for AI_EXTRACT, which "
                f"FineTunedModel does not drive; for prompt/completion data use {', '.join(CURRENT)}")
    return f"{name!r} cannot be fine-tuned; use {', '.join(CURRENT)} (older, still accepted: {', '.join(LEGACY)})"


def canonical(name: str) -> str:
    """`name` as the spec stores it: lower case (Snowflake's model names are case-insensitive, so
    `Llama3.1-8B` is llama3.1-8b and a case change is never a retrain); ValueError with rejection()'s
    explanation when it cannot be a base model (pydantic shows it under the field's name)."""
    why = rejection(name)
    if why is not None:
        raise ValueError(why)
    return name.strip().lower()


def advisories(base_model: str, today: dt.date | None = None) -> list[str]:
    """Preview advisories (never errors) for a declared base model, as of `today`."""
    today = today or dt.date.today()
    out: list[str] = []
    m = model(base_model)
    if m is not None and not m.current:
        out.append(
            f"base model {m.name} is not in Snowflake's current fine-tunable list ({', '.join(CURRENT)}, "
            f"catalogue of {CATALOGUE_DATE.isoformat()}, {DOCS}): a new FINETUNE may be refused. An existing "
            f"model on it is kept and adopted as is; for a retrain, switch to {CURRENT[0]}"
        )
    start, end = DEPRECATION_WINDOW
    if today > end:
        out.append(f"{DEPRECATION_NOTICE}, and that window has passed ({today.isoformat()}): FINETUNE may no "
                   "longer exist; existing models keep serving COMPLETE. Plan the move to Cortex Training.")
    elif today >= start:
        out.append(f"{DEPRECATION_NOTICE}; that window is now: plan the move before retraining.")
    return out
