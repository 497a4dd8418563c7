"""The Cortex part of a running emulator: FINETUNE jobs, the runner, the COMPLETE/COUNT_TOKENS UDFs.

Attached to the EmulatorServer as `server.cortex` by `cortex_local.cortex.setup`. Output shapes
follow Snowflake's FINETUNE reference pages (CREATE returns the job id; SHOW a JSON array of
{id,status,base_model,created_on}; DESCRIBE a JSON object of Snowflake's keys only; CANCEL "Canceled
Cortex Fine-tuning job: <id>"). Which local engine stood in is never in a documented object: see the
server log, SYSTEM$CORTEX_LOCAL_ENGINE_STATS('<job_id>') and the SHOW MODELS comment.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cortex_local.catalog_records import ModelRec
from cortex_local.cortex.base_models import DEFAULT_CATALOGUE
from cortex_local.cortex.functions import FunctionRegistrar, ModelRef
from cortex_local.cortex.job_runner import JobRunner
from cortex_local.cortex.job_store import TERMINAL, JobRecord, JobStore
from cortex_local.errors import does_not_exist, sql_error
from cortex_local.idents import qualified

if TYPE_CHECKING:
    from cortex_local.engines.base import Engine
    from cortex_local.server import EmulatorServer


def cortex_error(message: str) -> Exception:
    return sql_error(100357, message, "P0000")


class CortexService:
    def __init__(self, server: EmulatorServer, catalogue: str = DEFAULT_CATALOGUE, describe_options: bool = False
                 ) -> None:
        self.server = server
        self.catalogue = catalogue  # base_models.CATALOGUES key: which base models CREATE accepts
        self.describe_options = describe_options  # DESCRIBE carries `options` (see describe_object)
        self.root = server.data_dir / "cortex"
        self.adapters_root = self.root / "adapters"
        self.adapters_root.mkdir(parents=True, exist_ok=True)
        self.store = JobStore(self.root / "jobs")
        self.runner: JobRunner | None = None
        if server.engine is not None:
            self.runner = JobRunner(self.store, server.engine, self.adapters_root, self._on_success)

    def start(self) -> None:
        self.server.on_account(FunctionRegistrar(self))
        if self.runner is not None:
            self.runner.start()
        self.server.on_shutdown(self.stop)

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    def require_engine(self) -> Engine:
        if self.server.engine is None:
            raise cortex_error("No Cortex engine is configured: start the emulator with --engine stub|lora.")
        return self.server.engine

    # -- models -------------------------------------------------------------------------------
    def model_ref(self, account: str, rec: ModelRec) -> ModelRef:
        """Inference inputs for a MODEL record; a model imported from a share follows its provider."""
        source = rec.extra.get("shared_from")
        if source:
            from cortex_local.cortex.shares import live_shared_model, require_available

            provider = live_shared_model(self.server, account, rec)
            if provider is None:
                require_available(self.server, account, rec.database)  # 003030 once the share is gone
                raise does_not_exist(rec.qualified, "Model")
            rec = provider
        adapter = Path(rec.adapter_path) if rec.adapter_path else None
        return ModelRef(rec.base_model, adapter, rec.qualified)

    def _on_success(self, job: JobRecord, adapter_dir: Path) -> None:
        """Create the MODEL owned by the creating role; a taken name gets a suffix (as Cortex does)."""
        catalog = self.server.catalog
        engine = self.require_engine()
        with catalog.lock:
            name, n = job.model_name, 1
            while catalog.model(job.account, job.model_db, job.model_schema, name) is not None:
                name = f"{job.model_name}_{n}"
                n += 1
            rec = ModelRec(
                database=job.model_db,
                schema=job.model_schema,
                name=name,
                owner=job.owner_role,
                base_model=job.base_model,
                backing_model=engine.backing_model(job.base_model),
                adapter_path=str(adapter_dir),
                job_id=job.id,
                extra={"engine": engine.name},
            )
            catalog.add_model(job.account, rec)
        if name != job.model_name:
            self.store.update(job.id, model_name=name, model=qualified(job.model_db, job.model_schema, name))

    # -- jobs ---------------------------------------------------------------------------------
    def submit(self, rec: JobRecord, train: list[tuple[str, str]], valid: list[tuple[str, str]]) -> None:
        if self.runner is None:
            raise cortex_error("No Cortex engine is configured: start the emulator with --engine stub|lora.")
        self.runner.submit(rec, train, valid)

    @staticmethod
    def new_job_id() -> str:
        return f"ft_{uuid.uuid4()}"

    def _expire(self) -> None:
        cutoff = time.time() * 1000 - self.server.job_retention_s * 1000
        for rec in self.store.all():
            if rec.status in TERMINAL and (rec.finished_on or rec.created_on) < cutoff:
                self.store.remove(rec.id)

    def purge(self, account: str) -> int:
        """Emulator-only: drop every finished job record of `account` now (MODEL objects stay)."""
        gone = [r.id for r in self.store.all() if r.account == account and r.status in TERMINAL]
        for job_id in gone:
            self.store.remove(job_id)
        return len(gone)

    def job(self, account: str, job_id: str) -> JobRecord:
        self._expire()
        rec = self.store.get(job_id.strip())
        if rec is None or rec.account != account:
            raise cortex_error(f"Fine-tuning job '{job_id}' does not exist or not authorized.")
        return rec

    def show(self, account: str) -> str:
        self._expire()
        jobs = [r for r in self.store.all() if r.account == account]
        jobs.sort(key=lambda r: r.created_on, reverse=True)
        return json.dumps(
            [
                {"id": r.id, "status": r.status, "base_model": r.base_model, "created_on": r.created_on}
                for r in jobs
            ],
            separators=(",", ":"),
        )

    def describe(self, account: str, job_id: str) -> str:
        rec = self.job(account, job_id)
        return json.dumps(describe_object(rec, self.describe_options), separators=(",", ":"))

    def cancel(self, account: str, job_id: str) -> str:
        rec = self.job(account, job_id)
        if rec.status in TERMINAL:
            raise cortex_error(f"Cannot cancel fine-tuning job '{rec.id}': its status is {rec.status}.")
        assert self.runner is not None
        self.runner.cancel(rec.id)
        return f"Canceled Cortex Fine-tuning job: {rec.id}"


def describe_object(rec: JobRecord, with_options: bool = False) -> dict[str, Any]:
    """FINETUNE('DESCRIBE'): Snowflake's keys only (https://docs.snowflake.com/en/sql-reference/functions/
    finetune-describe): id, status, progress, error (ERROR only), base_model, created_on, finished_on
    (once finished), model, training_data, trained_tokens, training_result, validation_data ("" when no
    validation query was given). The current docs' example also shows `options`, but snowflake-ml-python
    2.6.0 (`FinetuneStatus(**json)`) raises on any key outside the first twelve, so real Snowflake's
    answer is an open question: by default the emulator leaves `options` out (Snowflake's own client
    works); `serve --describe-options` adds it (documented max_epochs only) to test the other shape."""
    out: dict[str, Any] = {"base_model": rec.base_model, "created_on": rec.created_on}
    if rec.finished_on is not None:
        out["finished_on"] = rec.finished_on
    out.update(id=rec.id, model=rec.model, progress=round(rec.progress, 4), status=rec.status,
               training_data=rec.training_data)
    if rec.trained_tokens or rec.status == "SUCCESS":
        out["trained_tokens"] = rec.trained_tokens
    if rec.training_result is not None:
        out["training_result"] = rec.training_result
    out["validation_data"] = rec.validation_data or ""
    if with_options:
        out["options"] = {k: v for k, v in rec.options.items() if k == "max_epochs"}
    if rec.status == "ERROR" and rec.error is not None:
        out["error"] = rec.error
    return out
