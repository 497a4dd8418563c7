"""The FineTunedModel spec: what the program declares, validated before any SQL is sent.

The model name is normalised to its fully qualified SQL form (`DB.SCHEMA.NAME`), so writing it bare
with `database`/`schema_name`, or fully qualified, is the same spec and never a diff.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from cortex_provider import catalogue
from cortex_provider.errors import InvalidInput
from cortex_provider.resources.base import stored as stored_field
from cortex_provider.resources.names import field_error, query_text
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName

# The current fine-tunable base model first, then the older ones a spec may still name (adopting or
# keeping such a model is never blocked; preview advises): cortex_provider/catalogue.py.
FINETUNABLE_MODELS = catalogue.ACCEPTED
MAX_EPOCHS = catalogue.EPOCHS_RANGE
# Emulator-only engine options (cortex_local passes them to its engine; Snowflake rejects them).
LOCAL_OPTION_PREFIXES = ("stub_", "lora_", "local_")

WaitMode = Literal["none", "running", "succeeded"]
RetrainOn = Literal["spec", "data"]


def canonical_definition(text: str | None) -> str | None:
    """A training/validation definition (a view's declared body as JSON, program/build.py) with its
    spellings made one: `source` as Snowflake resolves the name (`cortex_demo.raw.t` is
    CORTEX_DEMO.RAW.T), expressions without surrounding blanks -- what the view itself is created from, so
    a respelled name is no retrain. A definition already in that form comes back byte for byte; any
    other text (a caller's own fingerprint) is kept as is."""
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict) or not isinstance(data.get("source"), str | None):
        return text
    out = {k: v.strip() if isinstance(v, str) and k in ("prompt", "completion", "where") else v
           for k, v in data.items()}
    if isinstance(out.get("source"), str):
        try:
            out["source"] = QualifiedName.parse(out["source"], "source").sql()
        except InvalidInput:
            return text
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


# Output: true where create or update wrote the state from a whole spec, so a field missing from it was
# null (state drops nulls: base.wire_form). An import's state lacks it: rebuilt from the job record, its
# missing fields (definitions, options; all of them when the record is gone) are unknown, not null.
SPEC_KNOWN = "spec_known"


def as_stored_now(olds: Mapping[str, Any]) -> dict[str, Any]:
    """Old state in today's spelling: definitions stored before they were made canonical compare as they
    would be stored now, so an upgrade is never a retrain (keys absent stay absent)."""
    out = dict(olds)
    for key in ("training_definition", "validation_definition"):
        if isinstance(out.get(key), str):
            out[key] = canonical_definition(out[key])
    return out


class FinetuneOptions(BaseModel):
    """FINETUNE's options object. Only `max_epochs` is documented; emulator-only keys pass through."""

    model_config = ConfigDict(extra="allow")

    max_epochs: int | None = Field(default=None, ge=MAX_EPOCHS[0], le=MAX_EPOCHS[1])

    @field_validator("max_epochs", mode="before")
    @classmethod
    def _whole(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(f"max_epochs is {v!r}, not a number of epochs. Fix: give an integer from 1 to 10")
        if isinstance(v, float) and v.is_integer():
            return int(v)  # numbers cross the Pulumi wire as floats
        return v

    @model_validator(mode="after")
    def _known_keys(self) -> FinetuneOptions:
        for key in self.model_extra or {}:
            if not key.startswith(LOCAL_OPTION_PREFIXES):
                raise ValueError(
                    f"unknown option {key!r}: Snowflake supports only max_epochs. Fix: drop it (emulator-only "
                    f"keys start with {', '.join(LOCAL_OPTION_PREFIXES)})"
                )
        return self

    def as_sql_options(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.model_extra or {})
        if self.max_epochs is not None:
            out["max_epochs"] = self.max_epochs
        return out


class TrainingSpec(BaseModel):
    """What a model is trained from and how the provider waits for it: the fields FineTunedModel and
    ModelRelease share (one definition, so both validate and spell them alike)."""

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

    @field_validator("base_model")
    @classmethod
    def _base(cls, v: str) -> str:
        return catalogue.canonical(v)

    @field_validator("training_definition", "validation_definition")
    @classmethod
    def _definition(cls, v: str | None) -> str | None:
        return canonical_definition(v)

    @field_validator("training_query", "validation_query")
    @classmethod
    def _query(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else query_text(v, str(info.field_name))


class FineTunedModelSpec(TrainingSpec):
    retrain_on: RetrainOn = "spec"
    # With retrain_on="data": the training data's fingerprint, from the program (e.g. a TrainingView's
    # `data_fingerprint` output) or, when absent, measured by the provider's check (one read-only SELECT).
    data_fingerprint: str | None = None

    @model_validator(mode="after")
    def _qualify(self) -> FineTunedModelSpec:
        with field_error(also=" (or give `database` and `schema_name` for a bare name)"):
            qn = QualifiedName.parse(self.name, "name")
            default = None
            if self.database is not None and self.schema_name is not None:
                default = SchemaName(Identifier.parse(self.database, "database"),
                                     Identifier.parse(self.schema_name, "schema_name"))
            elif qn.schema is not None and self.database is not None:
                default = SchemaName(Identifier.parse(self.database, "database"), qn.schema)
            full = qn.resolve(default, "name")
        assert full.database is not None and full.schema is not None
        for given, got, what in ((self.database, full.database, "database"),
                                 (self.schema_name, full.schema, "schema_name")):
            if given is not None and Identifier.parse(given, what) != got:
                raise ValueError(f"name {self.name!r} is qualified with {got.name}, but {what} is {given!r}. "
                                 "Fix: drop one of them or make them agree")
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


def stored(olds: Mapping[str, Any], field: str, new: Any) -> Any:
    """What state holds for `field`: in a state create or update wrote (SPEC_KNOWN) a missing field was
    null, so adding a validation query is a change; in an import's it is unknown: no change, never a
    retrain merely because the import lacks it."""
    return stored_field(FineTunedModelSpec, olds, field, new, absent_is_null=olds.get(SPEC_KNOWN) is True)


# Changing these trains a new model (a new paid job): Pulumi plans a replace.
REPLACE_ON = frozenset({"name", "database", "schema_name", "base_model", "training_query",
                        "validation_query", "training_definition", "validation_definition", "options"})
# These only steer the provider: an in-place update that sends no SQL.
PROVIDER_ONLY = frozenset({"wait", "timeout_minutes", "retain_on_delete", "retrain_on", "data_fingerprint"})
