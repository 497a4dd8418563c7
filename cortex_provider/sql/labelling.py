"""What a teacher's labelling costs: read-only aggregates over the prompts and the label table.

COMPLETE is billed per token, input (instructions + prompt) and output (the label) together
(docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-cost). Tokens are counted
with SNOWFLAKE.CORTEX.COUNT_TOKENS(<base model>, text) when a base model is named, else estimated at
Snowflake's documented ~4 characters per token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.sql import literals
from cortex_provider.sql.distill import _check_key, _hashed_prompts
from cortex_provider.sql.finetune import check_base_model
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.statement import Statement, UserQuery


def token_count(text_sql: str, count_model: str | None) -> str:
    """Tokens of a text expression: COUNT_TOKENS with `count_model`, else CEIL(LENGTH / 4)."""
    if count_model is None:
        return f"COALESCE(CEIL(LENGTH({text_sql}) / 4), 0)"
    model = literals.string(check_base_model(count_model, "teacher_base_model"), "teacher_base_model")
    return f"COALESCE(SNOWFLAKE.CORTEX.COUNT_TOKENS({model}, {text_sql}), 0)"


def _instructed(instructions: str, prompt_col: str) -> str:
    return f"{literals.string(instructions, 'instructions')} || {prompt_col}" if instructions else prompt_col


@dataclass(frozen=True)
class PromptsToLabel(Statement):
    """One row: PROMPTS (distinct prompts without a label under `label_key` in `table`; every prompt
    when `table` is None, i.e. not created yet) and INPUT_TOKENS (their instructed prompts' tokens)."""

    kind: ClassVar[str] = "LABELLING PLAN"
    prompts: UserQuery
    instructions: str
    label_key: str
    table: QualifiedName | None = None
    count_model: str | None = None

    def __post_init__(self) -> None:
        _check_key(self.label_key)
        literals.string(self.instructions, "instructions")
        if self.table is not None:
            self.table.full("target_table")
        token_count("x", self.count_model)

    def sql(self) -> str:
        tokens = token_count(_instructed(self.instructions, "new.PROMPT"), self.count_model)
        unlabelled = "" if self.table is None else (
            f" WHERE NOT EXISTS (SELECT 1 FROM {self.table.sql()} AS done WHERE done.LABEL_HASH = new.H)")
        return (f"SELECT COUNT(*) AS PROMPTS, COALESCE(SUM({tokens}), 0) AS INPUT_TOKENS "
                f"FROM {_hashed_prompts(self.prompts, self.label_key)} AS new{unlabelled}")


@dataclass(frozen=True)
class LabelTokens(Statement):
    """One row: INPUT_TOKENS and OUTPUT_TOKENS of the rows labelled under `label_key` — what the teacher's
    COMPLETE calls behind the current labels cost."""

    kind: ClassVar[str] = "LABELLING COST"
    table: QualifiedName
    instructions: str
    label_key: str
    count_model: str | None = None

    def __post_init__(self) -> None:
        self.table.full("target_table")
        _check_key(self.label_key)
        literals.string(self.instructions, "instructions")
        token_count("x", self.count_model)

    def sql(self) -> str:
        key = literals.string(self.label_key)
        prompt = token_count(_instructed(self.instructions, "PROMPT"), self.count_model)
        label = token_count("COMPLETION", self.count_model)
        return (f"SELECT COALESCE(SUM({prompt}), 0) AS INPUT_TOKENS, COALESCE(SUM({label}), 0) AS OUTPUT_TOKENS "
                f"FROM {self.table.sql()} WHERE LABEL_KEY = {key}")
