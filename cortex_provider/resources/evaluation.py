"""ModelEvaluation: a gate that scores a model (and a baseline) on held-out rows inside Snowflake.

COMPLETE of both models runs over `eval_query` (columns prompt, completion = the expected answer) in
ONE query: for exact_match and similarity the metric is averaged in SQL and one row comes back; for
json_keys the expected text and the two outputs are fetched and scored here (eval_metrics.py defines
every metric). passed = model_score >= threshold and (no baseline or model_score >= baseline_score).

When the gate fails, create/update RAISE with both scores in the message: Pulumi then skips every
resource that depends on the evaluation (usage grants, shares, replication), so a worse model is not
rolled out; the next `up` evaluates again. The evaluation re-runs only when an input that changes the
outcome changes (the model or its job id, the baseline or its job id, eval_query, metric, max_rows,
max_tokens), not on every `up`; a threshold change re-decides from the stored scores without SQL.
There is no Snowflake object: read returns the state as is, delete does nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cortex_provider.errors import CortexProviderError
from cortex_provider.resources.base import Applied, ResourceCore
from cortex_provider.resources.eval_metrics import SQL_METRICS, ExpectedNotJson, Metric, mean_score
from cortex_provider.resources.names import cortex_model, query_text
from cortex_provider.session import Session
from cortex_provider.sql.distill import EvalOutputs, EvalScores
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import ShapeProbe

# inputs whose change can change the scores (anything else re-decides from the stored scores)
SCORE_INPUTS = ("model", "model_job_id", "baseline_model", "baseline_job_id", "eval_query", "metric",
                "max_rows", "max_tokens")


class EvaluationError(CortexProviderError, ValueError):
    """The evaluation could not be computed (bad eval_query, non-JSON expected answers)."""


class EvaluationFailed(CortexProviderError):
    """The gate is closed: the model scored below the threshold or the baseline."""


class EvaluationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    eval_query: str
    metric: Metric
    threshold: float = Field(0.0, ge=0.0, le=1.0)
    baseline_model: str | None = None
    model_job_id: str | None = None
    baseline_job_id: str | None = None
    max_rows: int = Field(200, ge=1, le=100_000)
    max_tokens: int | None = Field(None, ge=1, le=100_000)

    @field_validator("model", "baseline_model")
    @classmethod
    def _model(cls, v: str | None) -> str | None:
        return None if v is None else cortex_model(v, "model", "a Cortex model name or a fine-tuned DB.SCHEMA.NAME")

    @field_validator("eval_query")
    @classmethod
    def _query(cls, v: str) -> str:
        return query_text(v, "eval_query")

    @property
    def query(self) -> UserQuery:
        return UserQuery(self.eval_query, "eval_query")


def decide(spec: EvaluationSpec, model_score: float, baseline_score: float | None) -> tuple[bool, str]:
    """(passed, reason) for the scores under the spec's threshold and baseline."""
    what = f"{spec.metric} {model_score:.4f}"
    if model_score < spec.threshold:
        return False, f"{what} < threshold {spec.threshold:.4f}"
    if baseline_score is not None and model_score < baseline_score:
        return False, f"{what} < baseline {spec.baseline_model} {baseline_score:.4f}"
    return True, f"{what} >= threshold {spec.threshold:.4f}" + (
        f" and >= baseline {baseline_score:.4f}" if baseline_score is not None else "")


def _score(v: Any) -> float | None:
    return None if v is None else round(float(v), 4)


class EvaluationCore(ResourceCore[EvaluationSpec]):
    kind = "ModelEvaluation"
    spec_type = EvaluationSpec
    provider_only = frozenset({"threshold"})

    def measure(self, session: Session, spec: EvaluationSpec) -> tuple[int, float | None, float | None]:
        """(rows evaluated, model score, baseline score) — one COMPLETE query over eval_query."""
        columns = {c.name.upper() for c in session.describe(ShapeProbe(spec.query))}
        missing = [c.lower() for c in ("PROMPT", "COMPLETION") if c not in columns]
        if missing:
            raise EvaluationError(f"ModelEvaluation {spec.model}: eval_query yields {sorted(columns)}, without "
                                  f"{' and '.join(missing)}. Fix: SELECT <input> AS prompt, <expected> AS "
                                  "completion FROM <held-out rows>")
        if spec.metric in SQL_METRICS:
            row = session.query_one(EvalScores(spec.model, spec.query, spec.metric,  # type: ignore[arg-type]
                                               spec.baseline_model, spec.max_rows, spec.max_tokens)) or {}
            return int(row.get("ROWS_EVALUATED") or 0), _score(row.get("MODEL_SCORE")), \
                _score(row.get("BASELINE_SCORE"))
        rows = session.execute(EvalOutputs(spec.model, spec.query, spec.baseline_model, spec.max_rows,
                                           spec.max_tokens))
        try:
            model = mean_score(spec.metric, ((r.get("MODEL_OUTPUT"), r.get("EXPECTED")) for r in rows))
            base = mean_score(spec.metric, ((r.get("BASELINE_OUTPUT"), r.get("EXPECTED")) for r in rows)) \
                if spec.baseline_model else None
        except ExpectedNotJson as exc:
            raise EvaluationError(f"ModelEvaluation {spec.model}: {exc}. Fix: eval_query's completion must be "
                                  "a JSON object for metric json_keys, or use metric similarity") from None
        return len(rows), _score(model), _score(base)

    def _outputs(self, spec: EvaluationSpec, rows: int, model: float | None, base: float | None) -> dict[str, Any]:
        if rows == 0 or model is None:
            raise EvaluationFailed(f"ModelEvaluation {spec.model}: eval_query returned no rows; nothing was "
                                   "evaluated, so dependents are not rolled out. Fix: point eval_query at held-out "
                                   "rows")
        passed, reason = decide(spec, model, base)
        base_txt = f", baseline {spec.baseline_model} = {base:.4f}" if base is not None else ""
        if not passed:
            raise EvaluationFailed(
                f"ModelEvaluation gate FAILED for {spec.model}: {reason} ({spec.metric}: model = {model:.4f}"
                f"{base_txt}; {rows} rows). Resources depending on this evaluation are not rolled out.")
        return {**spec.model_dump(mode="json", by_alias=True), "model_score": model, "baseline_score": base,
                "rows_evaluated": rows, "passed": True, "reason": reason}

    def create(self, session: Session, spec: EvaluationSpec) -> Applied:
        digest = hashlib.sha256(json.dumps([spec.model, spec.eval_query, spec.metric]).encode()).hexdigest()[:16]
        return Applied(f"eval-{digest}", self._outputs(spec, *self.measure(session, spec)))

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: EvaluationSpec) -> dict[str, Any]:
        new = spec.model_dump(mode="json", by_alias=True)
        if all(olds.get(k) == new.get(k) for k in SCORE_INPUTS) and olds.get("model_score") is not None:
            return self._outputs(spec, int(olds.get("rows_evaluated") or 0), _score(olds["model_score"]),
                                 _score(olds.get("baseline_score")))
        return self._outputs(spec, *self.measure(session, spec))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        return Applied(id_, dict(props)) if props.get("model") else None

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        return None
