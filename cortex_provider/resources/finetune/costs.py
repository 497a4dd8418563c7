"""What a training run will cost, measured in SQL before FINETUNE: rows, trained tokens, fingerprint.

`estimated_trained_tokens` is the pre-flight's billed input tokens x epochs (Snowflake's billing rule:
truncation to the context split, automatic validation split when there is no validation query;
resources/preflight.py; with max_epochs unset, the epochs catalogue.epochs_assumed states). The data fingerprint (row
count + content hash, computed in SQL, no rows fetched) is what `retrain_on: data` compares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cortex_provider.errors import CortexProviderError
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.preflight import preflight
from cortex_provider.session import Session
from cortex_provider.sql.parse_cortex import parse_fingerprint
from cortex_provider.sql.preflight import FingerprintQuery
from cortex_provider.sql.statement import UserQuery


@dataclass(frozen=True)
class Estimate:
    rows: int | None = None
    trained_tokens: int | None = None
    fingerprint: str | None = None
    warnings: list[str] = field(default_factory=list)


Estimator = Callable[[Session, FineTunedModelSpec, bool], Estimate]


def fingerprint(session: Session, training_query: str) -> str:
    """The training data's fingerprint (one aggregate SELECT)."""
    rows = session.execute(FingerprintQuery(UserQuery(training_query, "training_query")))
    return str(parse_fingerprint(rows))


def estimate(session: Session, spec: FineTunedModelSpec, hard: bool) -> Estimate:
    """Pre-flight + fingerprint. hard=True (before a CREATE): limit violations raise PreflightError.
    hard=False (adopting work already paid for): failures only leave the estimate empty."""
    try:
        report = preflight(session, spec.training_query, spec.base_model, spec.max_epochs,
                           auto_split=not spec.validation_query)
        if hard:
            report.raise_for_errors(f"FineTunedModel {spec.name}: training_query")
        fp = fingerprint(session, spec.training_query)
    except CortexProviderError:
        if hard:
            raise
        return Estimate()
    return Estimate(report.row_count, report.estimated_trained_tokens, fp, list(report.warnings))
