"""The Cortex base models that FINETUNE accepts, with their per-row token shares and data limits.

Sources (Snowflake's "Fine-tuning (Snowflake Cortex)" page, copied in shared/seeds/003_*.txt, and the
FINETUNE('CREATE') reference): the six documented models, their context window split into an input
(prompt) and output (completion) share, and the training-data size limit per model.

llama3.2-1b and llama3.2-3b are NOT in that table (the docs corpus had no fine-tuning values for
them). They are accepted here because the project's distillation scenario targets them; the values
below are our choice, documented as such: the llama3.1-8b split (24k = 20k prompt + 4k completion)
and the 1 GB data limit of the small models.
"""

from __future__ import annotations

from dataclasses import dataclass

from cortex_local.errors import sql_error

K = 1024
MB = 1024 * 1024
GB = 1024 * MB


@dataclass(frozen=True)
class BaseModel:
    name: str
    context_window: int  # tokens
    prompt_tokens: int  # share of the window for the prompt column
    completion_tokens: int  # share for the completion column
    data_limit_bytes: int  # training + validation data size limit
    documented: bool = True


BASE_MODELS: dict[str, BaseModel] = {
    m.name: m
    for m in (
        BaseModel("llama3-8b", 8 * K, 6 * K, 2 * K, 1 * GB),
        BaseModel("llama3-70b", 8 * K, 6 * K, 2 * K, 250 * MB),
        BaseModel("llama3.1-8b", 24 * K, 20 * K, 4 * K, 1 * GB),
        BaseModel("llama3.1-70b", 16 * K, 12 * K, 4 * K, 250 * MB),
        BaseModel("mistral-7b", 32 * K, 28 * K, 4 * K, 1 * GB),
        BaseModel("mixtral-8x7b", 32 * K, 28 * K, 4 * K, 250 * MB),
        # not in Snowflake's fine-tuning tables: our choice (see module docstring)
        BaseModel("llama3.2-1b", 24 * K, 20 * K, 4 * K, 1 * GB, documented=False),
        BaseModel("llama3.2-3b", 24 * K, 20 * K, 4 * K, 1 * GB, documented=False),
    )
}


def base_model(name: str) -> BaseModel:
    """The base model called `name` (case-insensitive), or FINETUNE's invalid-argument error."""
    found = BASE_MODELS.get(name.strip().lower())
    if found is None:
        choices = ", ".join(f"'{n}'" for n in BASE_MODELS)
        raise sql_error(
            100357,
            f"Invalid argument base_model: '{name}' is not a model available for fine-tuning. "
            f"Choose one of: {choices}.",
            "P0000",
        )
    return found
