"""Finding what already exists for a spec: the MODEL object and the job that trains or trained it.

ADOPT, NEVER DUPLICATE: before a paid FINETUNE('CREATE') the core asks here whether a model of that
name exists, or a PENDING/IN_PROGRESS/SUCCESS job for the same model name, base model and training
data. SHOW MODELS results are cached per process and schema for a few seconds (a refresh of N models
in one schema costs one SHOW); every write of this process invalidates the schema's entry.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from cortex_provider.errors import CortexProviderError, SnowflakeStatementError
from cortex_provider.session import Session
from cortex_provider.sql.finetune import FinetuneDescribe, FinetuneShow, ShowModels
from cortex_provider.sql.identifiers import QualifiedName, SchemaName
from cortex_provider.sql.parse_cortex import (
    FinetuneJob,
    FinetuneStatus,
    parse_finetune_describe,
    parse_finetune_show,
)
from cortex_provider.sql.parse_show import ModelInfo, parse_models

RUNNING = frozenset({FinetuneStatus.PENDING, FinetuneStatus.IN_PROGRESS})
ADOPTABLE = RUNNING | {FinetuneStatus.SUCCESS}
CACHE_TTL_ENV = "CORTEX_PROVIDER_MODEL_CACHE_S"
_DEFAULT_TTL_S = 15.0


def live_model(session: Session, model: QualifiedName) -> ModelInfo | None:
    """The model as Snowflake holds it now: an uncached SHOW MODELS LIKE '<name>' IN SCHEMA, for decisions
    that cost money or models (create, delete, the plan's adopt probe, the late ownership record)."""
    rows = parse_models(session.execute(ShowModels(schema=model.schema_name, like=model.name)))
    return next((m for m in rows if m.name == model.name.name), None)


class ModelCache:
    """SHOW MODELS IN SCHEMA, memoised per (session, schema) for `ttl` seconds; thread-safe.

    Concurrent reads of one schema (Pulumi refreshes resources in parallel) wait for one SHOW.
    """

    def __init__(self, ttl: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = float(os.environ.get(CACHE_TTL_ENV, _DEFAULT_TTL_S)) if ttl is None else ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: dict[tuple[int, str], threading.Lock] = {}
        self._entries: dict[tuple[int, str], tuple[float, dict[str, ModelInfo]]] = {}

    def models(self, session: Session, schema: SchemaName) -> dict[str, ModelInfo]:
        """Resolved model name -> SHOW MODELS row, for every model in the schema the role can see."""
        key = (id(session), schema.sql())
        with self._lock:
            key_lock = self._keys.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._entries.get(key)
            if hit is not None and self.clock() - hit[0] < self.ttl:
                return hit[1]
            rows = parse_models(session.execute(ShowModels(schema=schema)))
            found = {m.name: m for m in rows}
            self._entries[key] = (self.clock(), found)
            return found

    def find(self, session: Session, model: QualifiedName) -> ModelInfo | None:
        return self.models(session, model.schema_name).get(model.name.name)

    def invalidate(self, session: Session, schema: SchemaName) -> None:
        with self._lock:
            self._entries.pop((id(session), schema.sql()), None)


MODEL_CACHE = ModelCache()


def same_model(printed: str | None, model: QualifiedName) -> bool:
    """DESCRIBE prints the model name as it was passed to CREATE; compare resolved names."""
    if not printed:
        return False
    try:
        return QualifiedName.parse(printed).resolve(model.schema_name) == model
    except CortexProviderError:
        return False


def _same_query(a: str | None, b: str | None) -> bool:
    norm = [" ".join(q.strip().rstrip(";").split()) if q else None for q in (a, b)]
    return norm[0] == norm[1]


def describe(session: Session, job_id: str) -> FinetuneJob | None:
    """DESCRIBE a job, or None when Cortex no longer knows it (purged, garbage-collected)."""
    try:
        return parse_finetune_describe(session.execute(FinetuneDescribe(job_id)))
    except SnowflakeStatementError as exc:
        if "does not exist" in exc.message or "not authorized" in exc.message:
            return None
        raise


def find_job(
    session: Session,
    model: QualifiedName,
    base_model: str | None,
    training_query: str | None,
    validation_query: str | None,
    max_epochs: int | None,
    statuses: frozenset[FinetuneStatus] = ADOPTABLE,
) -> FinetuneJob | None:
    """The newest job training `model` from this spec, among `statuses` (SHOW, then DESCRIBE each
    candidate newest first until one matches). None of the spec arguments -> match on the name only
    (import). A job with another spec for the same name is never adopted."""
    jobs = parse_finetune_show(session.execute(FinetuneShow()))
    candidates = [
        j for j in jobs
        if j.status in statuses and (base_model is None or (j.base_model or base_model) == base_model)
    ]
    candidates.sort(key=lambda j: j.created_on or 0, reverse=True)
    for brief in candidates:
        job = describe(session, brief.id)
        if job is None or job.status not in statuses or not same_model(job.model, model):
            continue
        if base_model is not None and job.base_model not in (None, base_model):
            continue
        if training_query is not None and not _same_query(job.training_data, training_query):
            continue
        if training_query is not None and not _same_query(job.validation_data, validation_query):
            continue
        opts = job.extra.get("options")
        if max_epochs is not None and isinstance(opts, dict) and "max_epochs" in opts \
                and int(opts["max_epochs"]) != max_epochs:
            continue
        return job
    return None
