"""The ModelRelease spec. Training fields are FineTunedModel's (validated by FineTunedModelSpec); the
release adds the endpoint, the pin, retention, the gate and the roles that call the endpoint.

`digest` hashes what a version is trained from: a changed digest is a new version (a paid job), an
unchanged one never is; the endpoint name, pin, retention, gate and roles are not in it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cortex_provider.resources.eval_metrics import Metric
from cortex_provider.resources.finetune.spec import FineTunedModelSpec, TrainingSpec
from cortex_provider.resources.names import field_error, idents, query_text
from cortex_provider.sql.endpoint import parse_version, version_label, version_name
from cortex_provider.sql.identifiers import Identifier, QualifiedName

TRAINING_FIELDS = ("base_model", "training_query", "validation_query", "training_definition",
                   "validation_definition", "options")
IDENTITY_FIELDS = frozenset({"name", "database", "schema_name"})
ALL_VERSIONS = 0  # `keep` meaning "keep every version" (what `keep: None` is sent as)


class GateSpec(BaseModel):
    """Promotion gate: the candidate version and the version in service are scored on `eval_query`
    (prompt, completion = expected answer) in ONE query; the candidate serves only when its score is
    >= threshold and >= the serving version's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    eval_query: str
    metric: Metric
    threshold: float = Field(0.0, ge=0.0, le=1.0)
    max_rows: int = Field(200, ge=1, le=100_000)
    max_tokens: int | None = Field(None, ge=1, le=100_000)

    @field_validator("eval_query")
    @classmethod
    def _query(cls, v: str) -> str:
        return query_text(v, "gate.eval_query")


class ModelReleaseSpec(TrainingSpec):
    name: str = Field(description="the endpoint: DB.SCHEMA.NAME (versions are NAME_V1, NAME_V2, ...)")
    serving: str | None = Field(None, description="pin the serving version (rollback), e.g. V1; None: latest")
    # None (all) would not survive the trip through Pulumi (a null input arrives as absent, i.e. the default 3,
    # and `keep: null` dropped versions): the resource class sends ALL_VERSIONS (0) for it instead.
    keep: int | None = Field(3, ge=0, description="keep the last N versions (the serving one always); 0 (None in "
                             "Python): all versions. YAML/plugin: write 0, `keep: null` is dropped by Pulumi (the "
                             "default 3)")
    gate: GateSpec | None = None
    usage_roles: list[str] = Field(default_factory=list, description="roles granted USAGE on endpoint + version")

    @field_validator("serving")
    @classmethod
    def _serving(cls, v: str | None) -> str | None:
        if v is None:
            return None
        with field_error():
            return version_label(parse_version(v))

    @field_validator("usage_roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return idents(v, "usage_roles")

    @model_validator(mode="after")
    def _training(self) -> ModelReleaseSpec:
        if self.wait != "succeeded":
            raise ValueError("wait is not 'succeeded': a release promotes a version only once trained. Fix: leave wait "
                             "out (or give 'succeeded')")
        with field_error():
            qn = QualifiedName.parse(self.name, "name")
        v1 = QualifiedName(Identifier.of(f"{qn.name.name}_V1"), qn.schema, qn.database)
        probe = self._version_data(v1.sql())  # qualifies the name, validates base model and queries
        full = QualifiedName.parse(probe.name, "name").full("name")
        self.name = QualifiedName(qn.name, full.schema, full.database).sql()
        self.database, self.schema_name = probe.database, probe.schema_name
        self.base_model, self.training_query = probe.base_model, probe.training_query
        self.validation_query = probe.validation_query
        self.training_definition = probe.training_definition
        self.validation_definition = probe.validation_definition
        return self

    @property
    def endpoint(self) -> QualifiedName:
        return QualifiedName.parse(self.name, "name").full("name")

    def version_spec(self, number: int) -> FineTunedModelSpec:
        """The FineTunedModel spec of version `number` (adopt-before-buy and waits are FineTunedModel's)."""
        return self._version_data(version_name(self.endpoint, number).sql())

    def _version_data(self, name: str) -> FineTunedModelSpec:
        data: dict[str, Any] = {
            "name": name, "database": self.database, "schema_name": self.schema_name,
            "base_model": self.base_model, "training_query": self.training_query,
            "validation_query": self.validation_query, "training_definition": self.training_definition,
            "validation_definition": self.validation_definition, "options": self.options.model_dump(),
            "wait": "succeeded", "timeout_minutes": self.timeout_minutes, "retain_on_delete": True,
        }
        return FineTunedModelSpec.model_validate(data)

    @property
    def digest(self) -> str:
        data = self.model_dump(mode="json")
        return hashlib.sha256(json.dumps([data[k] for k in TRAINING_FIELDS], sort_keys=True).encode()).hexdigest()[:16]
