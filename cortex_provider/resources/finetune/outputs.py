"""The outputs a FineTunedModel carries in state, built from the spec, the job and the pre-flight.

`status` is the job's status, or one of two provider states:
- MISSING: refresh found neither the model nor a live job (dropped by hand, or the job ended
  ERROR/CANCELLED). The resource stays in state so the next plan shows a replace (a retrain) with
  its estimated cost, instead of silently vanishing; `drift` says what happened.
- SUCCESS with `job_id` kept from state: the model exists, its job record may have been purged by
  Cortex. The model's existence is the truth; a purged job never causes a diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.resources.finetune.spec import SPEC_KNOWN, FineTunedModelSpec
from cortex_provider.sql.parse_cortex import FinetuneJob, FinetuneStatus

MISSING = "MISSING"

JOB_KEYS = ("job_id", "status", "progress", "trained_tokens", "validation_loss", "created_on",
            "finished_on", "local_engine", "error")
# `origin`: created or adopted (resources/ownership.py); `adopted` says how (model, job, import).
OUTPUT_KEYS = (*JOB_KEYS, "model", "estimated_trained_tokens", "training_rows", "drift", "adopted", "origin")


def job_outputs(job: FinetuneJob) -> dict[str, Any]:
    engine = job.extra.get("local_engine")
    note = engine.get("note") if isinstance(engine, Mapping) else engine
    return {
        "job_id": job.id,
        "status": job.status.value,
        "progress": job.progress,
        "trained_tokens": job.trained_tokens,
        "validation_loss": job.validation_loss,
        "created_on": job.created_on,
        "finished_on": job.finished_on,
        "local_engine": None if note is None else str(note),
        "error": job.error_message,
    }


def build_outputs(
    spec: FineTunedModelSpec,
    *,
    job: FinetuneJob | None,
    estimated_trained_tokens: int | None,
    training_rows: int | None,
    data_fingerprint: str | None,
    adopted: str | None = None,
) -> dict[str, Any]:
    """Spec fields (normalised, marked SPEC_KNOWN) + job fields + cost estimate. Without a job (adopted model whose
    record is gone) the status is SUCCESS: the model exists."""
    out = spec.model_dump(mode="json")
    out.update(job_outputs(job) if job is not None else {k: None for k in JOB_KEYS})
    if job is None:
        out["status"] = FinetuneStatus.SUCCESS.value
    out.update(
        model=spec.name,
        estimated_trained_tokens=estimated_trained_tokens,
        training_rows=training_rows,
        data_fingerprint=spec.data_fingerprint or data_fingerprint,
        drift=None,
        adopted=adopted,
    )
    out[SPEC_KNOWN] = True  # the whole spec: a field state then drops was null (spec.stored)
    return out


def refreshed(olds: Mapping[str, Any], job: FinetuneJob | None, *, model_exists: bool) -> dict[str, Any]:
    """Old outputs updated from the live job (when Cortex still knows it) and the model's existence."""
    out = dict(olds)
    if job is not None:
        keep_id = out.get("job_id")
        out.update(job_outputs(job))
        out["job_id"] = job.id or keep_id
    if model_exists:
        out["status"] = FinetuneStatus.SUCCESS.value
        out["drift"] = None
    return out


def missing(olds: Mapping[str, Any], why: str) -> dict[str, Any]:
    out = dict(olds)
    out["status"] = MISSING
    out["drift"] = why
    return out


def is_missing(props: Mapping[str, Any]) -> bool:
    return props.get("status") == MISSING
