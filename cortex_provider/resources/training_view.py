"""TrainingView: a view yielding the `prompt` and `completion` text columns FINETUNE reads.

Give `query`, or `source` + `prompt_expr` + `completion_expr` [+ `where`]. Create/update first
probe the query's LIVE result shape (`SELECT * FROM (<query>) LIMIT 0`, cursor.description) and
run the pre-flight (one aggregate query; hard limits of `base_model` fail the step), and only
then send CREATE OR REPLACE VIEW, so a violation leaves nothing behind. The pre-flight needs SQL,
so `check` never runs it (it stays pure); `preview` shows the planned change only.

Drift: outputs keep `ddl_hash`, the hash of the view text SHOW VIEWS printed right after our own
CREATE. A refresh that finds other text (the view was redefined by hand) puts the live query in
`query_text`, and `diff` then plans an update (CREATE OR REPLACE with the declared query). Name,
database or schema changes replace the view; `base_model`/`epochs` changes only re-run the
pre-flight (no DDL). Id: `DB.SCHEMA.VIEW`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from snowflake.connector.constants import FIELD_ID_TO_NAME

from cortex_provider.errors import CortexProviderError, InvalidInput
from cortex_provider.resources import grant_cache as cache
from cortex_provider.resources.base import Applied, Diff, Failure, ResourceCore
from cortex_provider.resources.names import ident, qualified, to_ident, to_schema
from cortex_provider.resources.preflight import (
    DATA_LIMITS,
    PreflightReport,
    limits_for,
    preflight,
)
from cortex_provider.session import Session
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import CreateView, DropView, ShapeProbe
from cortex_provider.sql.views_extra import training_select, view_query_from_text

TEXT_TYPE_CODE = 2  # snowflake.connector.constants.FIELD_ID_TO_NAME[2] == "TEXT"
REQUIRED_COLUMNS = ("PROMPT", "COMPLETION")


class TrainingViewError(CortexProviderError, ValueError):
    """The query does not yield what FINETUNE needs; the message says how to fix it."""


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
        return None if v is None else _user_query(v, "query").text

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
        if v is None:
            return None
        if limits_for(v) is None:
            raise ValueError(f"{v!r} is not a fine-tunable base model. Fix: use one of "
                             f"{', '.join(DATA_LIMITS)}")
        return v.strip().lower()

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


def _user_query(text: str, field: str) -> UserQuery:
    try:
        return UserQuery(text, field)
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {exc.fix}") from None


def training_query_for(database: str, schema: str, name: str) -> str:
    """The view's `training_query` output, computable from its names alone: a program can pass it to a
    FineTunedModel as a known value, so a preview still knows (and prices) the model's data while the
    view itself is being updated. Raises InvalidInput for a malformed name."""
    fqn = QualifiedName(Identifier.parse(name, "name"), Identifier.parse(schema, "schema"),
                        Identifier.parse(database, "database"))
    return f"SELECT prompt, completion FROM {fqn.sql()}"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TrainingViewCore(ResourceCore[TrainingViewSpec]):
    kind = "TrainingView"
    spec_type = TrainingViewSpec
    replace_on = frozenset({"database", "schema", "name"})
    provider_only = frozenset({"base_model", "epochs"})

    def validate(self, spec: TrainingViewSpec) -> list[Failure]:
        parts = {
            "source": spec.source, "prompt_expr": spec.prompt_expr, "completion_expr": spec.completion_expr
        }
        given = [k for k, v in parts.items() if v is not None]
        if spec.query is not None and (given or spec.where):
            return [Failure("query", "give either `query` or `source` + `prompt_expr` + `completion_expr`, "
                                     "not both")]
        if spec.query is None and len(given) < 3:
            missing = [k for k in parts if k not in given]
            return [Failure(missing[0], f"missing {', '.join(missing)}. Fix: give `query`, or all of "
                                        "`source`, `prompt_expr` and `completion_expr`")]
        try:
            spec.effective_query()
        except InvalidInput as exc:
            return [Failure(exc.field, f"{exc.problem}. Fix: {exc.fix}")]
        return []

    # -- pure ------------------------------------------------------------------------------------
    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        base = super().diff(id_, olds, news)
        wanted = self.parse(news).effective_query().text
        if olds.get("query_text") != wanted and "query" not in base.changed:
            return Diff([*base.changed, "query"], base.replaces)
        return base

    # -- Snowflake -------------------------------------------------------------------------------
    def probe(self, session: Session, query: UserQuery, fqn: QualifiedName) -> list[str]:
        """Check the live result shape; returns the column names. Sends no DDL."""
        columns = session.describe(ShapeProbe(query))
        by_name = {c.name.upper(): c for c in columns}
        names = [c.name for c in columns]
        missing = [c.lower() for c in REQUIRED_COLUMNS if c not in by_name]
        if missing:
            raise TrainingViewError(
                f"TrainingView {fqn.sql()}: the query yields columns {names}, "
                f"without {' and '.join(missing)}; "
                "FINETUNE reads text columns named prompt and completion. Fix: alias them, e.g. "
                "SELECT note AS prompt, label AS completion FROM ..."
            )
        for col in REQUIRED_COLUMNS:
            code = by_name[col].type_code
            if code is not None and code != TEXT_TYPE_CODE:
                raise TrainingViewError(
                    f"TrainingView {fqn.sql()}: column {col.lower()} is {FIELD_ID_TO_NAME[code] or code}, "
                    f"not text. Fix: cast it, e.g. TO_VARCHAR(<expr>) AS {col.lower()}"
                )
        return names

    def _apply(
        self, session: Session, spec: TrainingViewSpec, send_ddl: bool, old_hash: str | None
    ) -> dict[str, Any]:
        fqn, query = spec.fqn, spec.effective_query()
        report: PreflightReport | None = None
        ddl_hash = old_hash
        if send_ddl:
            self.probe(session, query, fqn)
        report = preflight(session, query, spec.base_model, spec.epochs)
        report.raise_for_errors(f"TrainingView {fqn.sql()}")
        if send_ddl:
            cache.write(session, CreateView(fqn, query), cache.views_scope(fqn.schema_name))
            ddl_hash = self._live_hash(session, fqn)
        return self._outputs(spec, query.text, ddl_hash, report)

    def _live_hash(self, session: Session, fqn: QualifiedName) -> str | None:
        for view in cache.views_in(session, fqn.schema_name) or []:
            if fqn.name.matches(view.name):
                return _hash(view.text)
        return None

    @staticmethod
    def _outputs(
        spec: TrainingViewSpec, query_text: str, ddl_hash: str | None, report: PreflightReport | None
    ) -> dict[str, Any]:
        fqn = spec.fqn.sql()
        return {
            **spec.model_dump(mode="json", by_alias=True),
            "fqn": fqn,
            "training_query": training_query_for(spec.database, spec.schema_, spec.name),
            "query_text": query_text,
            "ddl_hash": ddl_hash,
            "preflight": report.to_outputs() if report is not None else None,
        }

    def create(self, session: Session, spec: TrainingViewSpec) -> Applied:
        return Applied(spec.fqn.sql(), self._apply(session, spec, True, None))

    def update(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: TrainingViewSpec
    ) -> dict[str, Any]:
        send_ddl = olds.get("query_text") != spec.effective_query().text
        return self._apply(session, spec, send_ddl, olds.get("ddl_hash"))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        fqn = QualifiedName.parse(id_, "id").full("id")
        schema = fqn.schema_name
        live = next((v for v in cache.views_in(session, schema) or [] if fqn.name.matches(v.name)), None)
        if live is None:
            return None
        live_hash = _hash(live.text)
        if props.get("ddl_hash") == live_hash and props.get("query_text"):
            return Applied(id_, dict(props))
        live_query = view_query_from_text(live.text) or live.text
        if props.get("query_text"):  # drifted: keep the declared spec, report the live query
            return Applied(id_, {**props, "query_text": live_query, "ddl_hash": live_hash})
        return Applied(id_, self._imported(fqn, schema, live_query, live_hash))

    def _imported(self, fqn: QualifiedName, schema: SchemaName, live_query: str, h: str) -> dict[str, Any]:
        spec = TrainingViewSpec.model_validate(
            {"database": schema.database.sql(), "schema": schema.schema.sql(), "name": fqn.name.sql()}
            | {"query": live_query}
        )
        return self._outputs(spec, live_query, h, None)

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        fqn = QualifiedName.parse(id_, "id").full("id")
        cache.write(session, DropView(fqn), cache.views_scope(fqn.schema_name))
