"""SNOWFLAKE.CORTEX.FINETUNE(...) and COMPLETE(...) calls, plus model SHOW/DROP.

Every function result is aliased (JOB_ID, JOB, JOBS, RESULT, COMPLETION) so that parsers read it
by column name, not position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import literals
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement, UserQuery, embed

# Documented base models and their (prompt, completion) share of the context window, in tokens
# (the doc's "6k" read as 6 * 1024).
CONTEXT_LIMITS: dict[str, tuple[int, int]] = {
    "llama3-8b": (6 * 1024, 2 * 1024),
    "llama3-70b": (6 * 1024, 2 * 1024),
    "llama3.1-8b": (20 * 1024, 4 * 1024),
    "llama3.1-70b": (12 * 1024, 4 * 1024),
    "mistral-7b": (28 * 1024, 4 * 1024),
    "mixtral-8x7b": (28 * 1024, 4 * 1024),
}
_MODEL_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")
_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
_FN = "SNOWFLAKE.CORTEX.FINETUNE"


def check_base_model(name: str, field: str = "base_model") -> str:
    """A base-model name is a plain token (it is still rendered as a literal)."""
    if not isinstance(name, str) or not _MODEL_TOKEN.fullmatch(name):
        raise InvalidInput(field, f"{name!r} is not a model name", f"use one of {', '.join(CONTEXT_LIMITS)}")
    return name


def check_job_id(job_id: str, field: str = "job_id") -> str:
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise InvalidInput(
            field, f"{job_id!r} is not a fine-tuning job id", "use the id FINETUNE('CREATE') returned"
        )
    return job_id


@dataclass(frozen=True)
class FinetuneCreate(Statement):
    """FINETUNE('CREATE', '<db.s.model>', '<base>', '<train query>', '<validation query>'[, {options}]).

    With options but no validation query the validation slot is sent as '' (auto-split).
    """

    kind: ClassVar[str] = "FINETUNE CREATE"
    model: QualifiedName
    base_model: str
    training_query: UserQuery
    validation_query: UserQuery | None = None
    options: Mapping[str, literals.Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model.full("model")
        check_base_model(self.base_model)
        literals.object_constant(self.options, "options")

    @property
    def idempotent(self) -> bool:
        return False  # a resend would start a second job

    def sql(self) -> str:
        args = [
            "'CREATE'",
            literals.string(self.model.sql(), "model"),
            literals.string(self.base_model, "base_model"),
            literals.string(self.training_query.text, "training_query"),
        ]
        if self.validation_query is not None or self.options:
            text = self.validation_query.text if self.validation_query is not None else ""
            args.append(literals.string(text, "validation_query"))
        if self.options:
            args.append(literals.object_constant(self.options, "options"))
        return f"SELECT {_FN}({', '.join(args)}) AS JOB_ID"


@dataclass(frozen=True)
class FinetuneDescribe(Statement):
    kind: ClassVar[str] = "FINETUNE DESCRIBE"
    job_id: str

    def __post_init__(self) -> None:
        check_job_id(self.job_id)

    def sql(self) -> str:
        return f"SELECT {_FN}('DESCRIBE', {literals.string(self.job_id)}) AS JOB"


@dataclass(frozen=True)
class FinetuneShow(Statement):
    kind: ClassVar[str] = "FINETUNE SHOW"

    def sql(self) -> str:
        return f"SELECT {_FN}('SHOW') AS JOBS"


@dataclass(frozen=True)
class FinetuneCancel(Statement):
    kind: ClassVar[str] = "FINETUNE CANCEL"
    job_id: str

    def __post_init__(self) -> None:
        check_job_id(self.job_id)

    def sql(self) -> str:
        return f"SELECT {_FN}('CANCEL', {literals.string(self.job_id)}) AS RESULT"


@dataclass(frozen=True)
class Complete(Statement):
    """SELECT COMPLETE('<model>', '<prompt>') AS COMPLETION; model is a base name or db.s.model."""

    kind: ClassVar[str] = "COMPLETE"
    model: str
    prompt: str

    def __post_init__(self) -> None:
        literals.string(self.model, "model")
        literals.string(self.prompt, "prompt")

    def sql(self) -> str:
        return (
            f"SELECT SNOWFLAKE.CORTEX.COMPLETE({literals.string(self.model, 'model')}, "
            f"{literals.string(self.prompt, 'prompt')}) AS COMPLETION"
        )


@dataclass(frozen=True)
class CompleteOver(Statement):
    """COMPLETE over a query's prompt column: PROMPT, [COMPLETION AS EXPECTED,] COMPLETION."""

    kind: ClassVar[str] = "COMPLETE"
    model: str
    query: UserQuery
    limit: int = 10
    with_expected: bool = True

    def __post_init__(self) -> None:
        literals.string(self.model, "model")
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or not 0 < self.limit <= 100_000:
            raise InvalidInput("limit", f"{self.limit!r} is out of range", "use 1..100000")

    def sql(self) -> str:
        expected = "src.completion AS EXPECTED, " if self.with_expected else ""
        return (
            f"SELECT src.prompt AS PROMPT, {expected}"
            f"SNOWFLAKE.CORTEX.COMPLETE({literals.string(self.model, 'model')}, src.prompt) AS COMPLETION "
            f"FROM {embed(self.query)} AS src LIMIT {self.limit}"
        )


@dataclass(frozen=True)
class ShowModels(Statement):
    """SHOW MODELS [LIKE '<exact>'] IN SCHEMA db.s | IN ACCOUNT (schema=None)."""

    kind: ClassVar[str] = "SHOW MODELS"
    schema: SchemaName | None = None
    like: Identifier | None = None

    def sql(self) -> str:
        like = f" LIKE {literals.like_exact(self.like.name)}" if self.like is not None else ""
        scope = f"IN SCHEMA {self.schema.sql()}" if self.schema is not None else "IN ACCOUNT"
        return f"SHOW MODELS{like} {scope}"


@dataclass(frozen=True)
class DropModel(Statement):
    kind: ClassVar[str] = "DROP MODEL"
    name: QualifiedName

    def __post_init__(self) -> None:
        self.name.full("model")

    def sql(self) -> str:
        return f"DROP MODEL IF EXISTS {self.name.sql()}"
