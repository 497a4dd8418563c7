"""The FineTunedModel spec: what the program declares, validated before any SQL is sent.

The model name is normalised to its fully qualified SQL form (`DB.SCHEMA.NAME`), so writing it bare
with `database`/`schema_name`, or fully qualified, is the same spec and never a diff.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cortex_provider import catalogue
from cortex_provider.errors import InvalidInput
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import UserQuery

# The current fine-tunable base model first, then the older ones a spec may still name (adopting or
# keeping such a model is never blocked; preview advises): cortex_provider/catalogue.py.
FINETUNABLE_MODELS = catalogue.ACCEPTED
MAX_EPOCHS = (1, 10)
# Emulator-only engine options (cortex_local passes them to its engine; Snowflake rejects them).
LOCAL_OPTION_PREFIXES = ("stub_", "lora_", "local_")

WaitMode = Literal["none", "running", "succeeded"]
RetrainOn = Literal["spec", "data"]


class FinetuneOptions(BaseModel):
    """FINETUNE's options object. Only `max_epochs` is documented; emulator-only keys pass through."""

    model_config = ConfigDict(extra="allow")

    max_epochs: int | None = Field(default=None, ge=MAX_EPOCHS[0], le=MAX_EPOCHS[1])

    @field_validator("max_epochs", mode="before")
    @classmethod
    def _whole(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("max_epochs must be an integer from 1 to 10")
        if isinstance(v, float) and v.is_integer():
            return int(v)  # numbers cross the Pulumi wire as floats
        return v

    @model_validator(mode="after")
    def _known_keys(self) -> FinetuneOptions:
        for key in self.model_extra or {}:
            if not key.startswith(LOCAL_OPTION_PREFIXES):
                raise ValueError(
                    f"unknown option {key!r}: Snowflake supports only max_epochs "
                    f"(emulator-only keys start with {', '.join(LOCAL_OPTION_PREFIXES)})"
                )
        return self

    def as_sql_options(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.model_extra or {})
        if self.max_epochs is not None:
            out["max_epochs"] = self.max_epochs
        return out


class FineTunedModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    database: str | None = None
    schema_name: str | None = None
    base_model: str
    training_query: str
    validation_query: str | None = None
    # Opaque text standing for what the queries read (e.g. a TrainingView's `query_text` output): the
    # query `SELECT prompt, completion FROM <view>` stays the same when the view's body changes, so
    # pass the body here to make such a change a retrain.
    training_definition: str | None = None
    validation_definition: str | None = None
    options: FinetuneOptions = Field(default_factory=FinetuneOptions)
    wait: WaitMode = "succeeded"
    timeout_minutes: float | None = Field(default=None, gt=0)
    retain_on_delete: bool = True
    retrain_on: RetrainOn = "spec"
    # With retrain_on="data": the training data's fingerprint, from the program (e.g. a TrainingView's
    # `data_fingerprint` output) or, when absent, measured by the provider's check (one read-only SELECT).
    data_fingerprint: str | None = None

    @field_validator("base_model")
    @classmethod
    def _base(cls, v: str) -> str:
        why = catalogue.rejection(v)
        if why is not None:
            raise ValueError(why)
        return v.strip().lower()

    @field_validator("training_query", "validation_query")
    @classmethod
    def _query(cls, v: str | None, info: Any) -> str | None:
        if v is None:
            return None
        try:
            return UserQuery(v, info.field_name).text
        except InvalidInput as exc:
            raise ValueError(f"{exc.problem}; fix: {exc.fix}") from None

    @model_validator(mode="after")
    def _qualify(self) -> FineTunedModelSpec:
        try:
            qn = QualifiedName.parse(self.name, "name")
            default = None
            if self.database is not None and self.schema_name is not None:
                default = SchemaName(Identifier.parse(self.database, "database"),
                                     Identifier.parse(self.schema_name, "schema_name"))
            elif qn.schema is not None and self.database is not None:
                default = SchemaName(Identifier.parse(self.database, "database"), qn.schema)
            full = qn.resolve(default, "name")
        except InvalidInput as exc:
            raise ValueError(
                f"{exc.problem}; fix: {exc.fix} (or give `database` and `schema_name` for a bare name)"
            ) from None
        assert full.database is not None and full.schema is not None
        for given, got, what in ((self.database, full.database, "database"),
                                 (self.schema_name, full.schema, "schema_name")):
            if given is not None and Identifier.parse(given, what) != got:
                raise ValueError(f"name {self.name!r} is qualified with {got.name}, but {what} is {given!r}; "
                                 "drop one of them or make them agree")
        self.name = full.sql()
        self.database = full.database.sql()
        self.schema_name = full.schema.sql()
        return self

    @property
    def model(self) -> QualifiedName:
        return QualifiedName.parse(self.name, "name")

    @property
    def max_epochs(self) -> int | None:
        return self.options.max_epochs


# Changing these trains a new model (a new paid job): Pulumi plans a replace.
REPLACE_ON = frozenset({"name", "database", "schema_name", "base_model", "training_query",
                        "validation_query", "training_definition", "validation_definition", "options"})
# These only steer the provider: an in-place update that sends no SQL.
PROVIDER_ONLY = frozenset({"wait", "timeout_minutes", "retain_on_delete", "retrain_on", "data_fingerprint"})
