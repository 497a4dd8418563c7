"""SNOWFLAKE.CORTEX.FINETUNE(...) calls, plus model SHOW/DROP.

Every function result is aliased (JOB_ID, JOB, JOBS, RESULT) so that parsers read it by column name,
not position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from cortex_provider import catalogue
from cortex_provider.errors import InvalidInput
from cortex_provider.sql import clauses, literals
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement, UserQuery

_MODEL_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")
_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
_FN = "SNOWFLAKE.CORTEX.FINETUNE"


def check_base_model(name: str, field: str = "base_model") -> str:
    """A base-model name is a plain token (it is still rendered as a literal)."""
    if not isinstance(name, str) or not _MODEL_TOKEN.fullmatch(name):
        raise InvalidInput(field, f"{name!r} is not a model name", f"use one of {', '.join(catalogue.ACCEPTED)}")
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
class ShowModels(Statement):
    """SHOW MODELS [LIKE '<exact>'] IN SCHEMA db.s | IN ACCOUNT (schema=None)."""

    kind: ClassVar[str] = "SHOW MODELS"
    schema: SchemaName | None = None
    like: Identifier | None = None

    def sql(self) -> str:
        scope = clauses.in_schema(self.schema) if self.schema is not None else clauses.in_account()
        return clauses.show("MODELS", self.like, scope)


@dataclass(frozen=True)
class DropModel(Statement):
    kind: ClassVar[str] = "DROP MODEL"
    name: QualifiedName

    def __post_init__(self) -> None:
        self.name.full("model")

    def sql(self) -> str:
        return clauses.drop("MODEL", self.name)
