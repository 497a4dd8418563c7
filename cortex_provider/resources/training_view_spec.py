"""TrainingView's declared form: the view's names and its query, given whole or as source + prompt and
completion expressions, and the training query a model reads from it (known from the names alone)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cortex_provider import catalogue
from cortex_provider.errors import InvalidInput
from cortex_provider.resources.names import ident, qualified, query_text, to_ident, to_schema
from cortex_provider.sql.identifiers import Identifier, QualifiedName
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import training_select


class TrainingViewSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database: str
    schema_: str = Field(alias="schema")
    name: str
    query: str | None = None
    source: str | None = None
    prompt_expr: str | None = None
    completion_expr: str | None = None
    where: str | None = None
    base_model: str | None = None
    epochs: int | None = Field(None, ge=1, le=1000)

    @field_validator("database", "schema_", "name")
    @classmethod
    def _ident(cls, v: str, info: ValidationInfo) -> str:
        return ident(v, "schema" if info.field_name == "schema_" else str(info.field_name))

    @field_validator("query")
    @classmethod
    def _query(cls, v: str | None) -> str | None:
        return None if v is None else query_text(v, "query")

    @field_validator("source")
    @classmethod
    def _source(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return None
        db, schema = info.data.get("database"), info.data.get("schema_")
        default = to_schema(db, schema) if db and schema else None
        return qualified(v, "source", default).sql()

    @field_validator("prompt_expr", "completion_expr", "where")
    @classmethod
    def _expr(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else v.strip()

    @field_validator("base_model")
    @classmethod
    def _base_model(cls, v: str | None) -> str | None:
        return None if v is None else catalogue.canonical(v)

    @property
    def fqn(self) -> QualifiedName:
        return QualifiedName(to_ident(self.name), to_ident(self.schema_), to_ident(self.database))

    def effective_query(self) -> UserQuery:
        """The SELECT the view is defined as (raises InvalidInput naming the field at fault)."""
        if self.query is not None:
            return UserQuery(self.query, "query")
        if self.source is None or self.prompt_expr is None or self.completion_expr is None:
            raise InvalidInput("query", "no query given", "give `query`, or `source` + `prompt_expr` + "
                               "`completion_expr`")
        return training_select(qualified(self.source, "source"), self.prompt_expr,
                               self.completion_expr, self.where)


def training_query_for(database: str, schema: str, name: str) -> str:
    """The view's `training_query` output, computable from its names alone: a program can pass it to a
    FineTunedModel as a known value, so a preview still knows (and prices) the model's data while the
    view itself is being updated. Raises InvalidInput for a malformed name."""
    fqn = QualifiedName(Identifier.parse(name, "name"), Identifier.parse(schema, "schema"),
                        Identifier.parse(database, "database"))
    return f"SELECT prompt, completion FROM {fqn.sql()}"
