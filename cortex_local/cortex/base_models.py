"""The Cortex base models FINETUNE accepts, their context split and row limits, and row truncation.

Sources (Snowflake docs, as read for the catalogue date below):
- FINETUNE('CREATE') reference, https://docs.snowflake.com/en/sql-reference/functions/finetune-create:
  the current list has one LLM base model, `llama3.1-8b`, plus `arctic-extract` (document extraction,
  Dataset inputs `snow://dataset/...`; https://docs.snowflake.com/en/user-guide/snowflake-cortex/
  arctic-extract-finetuning). Earlier snapshots (2024-25) listed llama3-8b, llama3-70b, llama3.1-8b,
  llama3.1-70b, mistral-7b, mixtral-8x7b: the `2025` catalogue (server flag --finetune-catalogue 2025).
- Cortex Fine-tuning page, https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning:
  the context split (prompt / completion) per model; pairs longer than it are *truncated*, not
  rejected; data limits are rows: effective row limit = the 1-epoch limit / epochs.
- llama3.2-1b/3b were never fine-tunable (and are retired for inference): in no catalogue.

The docs do not say how truncation cuts a row: `truncate_pair` keeps the head of the prompt and the head
of the completion, each cut independently to its share (whole tokens, by the engine's tokenizer).
`truncate_pair` is the one place that decides what a job trains on — billing counts tokens of its output
(trained tokens = input tokens x epochs, on the Cortex Fine-tuning page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cortex_local.errors import sql_error

CATALOGUE_DATE = "2026-11"  # when the current list below was read from Snowflake's docs
K = 1024
LLM, DOCUMENT = "llm", "document-extraction"
# The docs' row-limit table assumes 3 epochs when max_epochs is not given (its "50k for 3" column).
DEFAULT_EPOCHS_FOR_LIMIT = 3


@dataclass(frozen=True)
class BaseModel:
    name: str
    prompt_tokens: int  # share of the context window for the prompt column
    completion_tokens: int  # share for the completion column
    rows_one_epoch: int | None  # documented row limit for 1 epoch (None: undocumented)
    kind: str = LLM

    @property
    def context_window(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def row_limit(self, epochs: int | None) -> int | None:
        """Effective row limit = 1-epoch limit / epochs (docs' formula), None when undocumented."""
        if self.rows_one_epoch is None:
            return None
        return self.rows_one_epoch // max(1, int(epochs or DEFAULT_EPOCHS_FOR_LIMIT))


_ALL = {
    m.name: m
    for m in (
        BaseModel("llama3-8b", 6 * K, 2 * K, 186_000),
        BaseModel("llama3-70b", 6 * K, 2 * K, 21_000),
        BaseModel("llama3.1-8b", 20 * K, 4 * K, 150_000),
        BaseModel("llama3.1-70b", 6 * K, 2 * K, 13_500),
        BaseModel("mistral-7b", 28 * K, 4 * K, 45_000),
        BaseModel("mixtral-8x7b", 28 * K, 4 * K, 27_000),
        BaseModel("arctic-extract", 0, 0, None, kind=DOCUMENT),
    )
}
CATALOGUES: dict[str, tuple[str, ...]] = {
    "current": ("llama3.1-8b", "arctic-extract"),
    "2025": ("llama3-8b", "llama3-70b", "llama3.1-8b", "llama3.1-70b", "mistral-7b", "mixtral-8x7b"),
}
DEFAULT_CATALOGUE = "current"
# every fine-tunable LLM any catalogue lists: COMPLETE serves them (inference outlives fine-tuning)
LLM_NAMES = frozenset(n for n, m in _ALL.items() if m.kind == LLM)
# models COMPLETE answers besides the fine-tunable ones (e.g. a large "teacher" for distillation)
COMPLETE_ONLY_MODELS = frozenset(
    {"llama3.1-405b", "llama3.3-70b", "mistral-large", "mistral-large2", "snowflake-arctic", "reka-flash"}
)


def is_inference_base(name: str) -> bool:
    """A base model COMPLETE serves (case-insensitive)."""
    low = name.strip().lower()
    return low in LLM_NAMES or low in COMPLETE_ONLY_MODELS


def base_model(name: str, catalogue: str = DEFAULT_CATALOGUE) -> BaseModel:
    """The base model `name` (case-insensitive) if `catalogue` offers it, else FINETUNE's error."""
    names = CATALOGUES[catalogue]
    key = name.strip().lower()
    if key not in names:
        choices = ", ".join(f"'{n}'" for n in names)
        raise sql_error(
            100357,
            f"Invalid argument base_model: '{name}' is not a model available for fine-tuning. "
            f"Choose one of: {choices}.",
            "P0000",
        )
    return _ALL[key]


def known(name: str) -> BaseModel:
    """Any catalogue's model (a job accepted under one catalogue keeps running under another)."""
    return _ALL[name.strip().lower()]


@dataclass(frozen=True)
class TruncatedPair:
    prompt: str
    completion: str
    prompt_cut: bool
    completion_cut: bool

    @property
    def truncated(self) -> bool:
        return self.prompt_cut or self.completion_cut


def truncate_text(text: str, limit: int, count_tokens: Callable[[str], int]) -> str:
    """The longest prefix of `text` with at most `limit` tokens (binary search on its length)."""
    if count_tokens(text) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def truncate_pair(
    model: BaseModel, prompt: str, completion: str, count_tokens: Callable[[str, str], int]
) -> TruncatedPair:
    """One training row as the job trains on it: prompt cut to the model's prompt share, completion to
    its completion share (`count_tokens(base_model, text)`, e.g. the engine's COUNT_TOKENS)."""

    def count(text: str) -> int:
        return count_tokens(model.name, text)

    p = truncate_text(prompt, model.prompt_tokens, count)
    c = truncate_text(completion, model.completion_tokens, count)
    return TruncatedPair(p, c, p != prompt, c != completion)
