"""FineTunedModel: a Cortex fine-tuning job as declarative state, careful with money and models.

- create: adopt before buying. A model of that name, or a PENDING/IN_PROGRESS job training it from
  the same spec, is adopted (a crash after CREATE but before state was written, `pulumi import`);
  otherwise pre-flight (hard limits fail here, before any FINETUNE), CREATE, then wait per `wait`.
  A timeout never cancels the paid job: the error says so, and the next `up` adopts it.
- id: the fully qualified model name (stable across purged job records; what `pulumi import` takes).
- read: the model's existence is the truth. SUCCESS + model present costs one cached SHOW MODELS per
  schema; a model dropped by hand or a job that ended without one becomes status MISSING (kept in
  state) so the next plan shows a replace — a visible retrain — rather than a silent re-create.
- diff: spec changes replace (retrain); wait/timeout/retain/retrain_on update in place with no SQL.
  A field state lacks was null when create/update wrote the state, unknown after an import (spec.stored).
  A replace that keeps the model name cannot create-before-delete; it is planned delete-before-replace
  only when the old model may be dropped (retain_on_delete false before and after), otherwise the plan
  fails asking for a new name — a retained model is never dropped and never silently adopted.
- delete: cancel a running job; drop the model only when retain_on_delete is false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources.base import Applied, Diff, ResourceCore, same
from cortex_provider.resources.finetune import outputs as outs
from cortex_provider.resources.finetune import owner as records
from cortex_provider.resources.finetune.costs import Estimate, Estimator, estimate
from cortex_provider.resources.finetune.lookup import (
    ADOPTABLE,
    MODEL_CACHE,
    ModelCache,
    describe,
    find_job,
    live_model,
)
from cortex_provider.resources.finetune.owner import ModelConflict as ModelConflict
from cortex_provider.resources.finetune.spec import (
    PROVIDER_ONLY,
    REPLACE_ON,
    SPEC_KNOWN,
    FineTunedModelSpec,
    as_stored_now,
    stored,
)
from cortex_provider.resources.finetune.wait import WaitPolicy, wait_for
from cortex_provider.resources.ownership import (
    ADOPTED,
    CREATED,
    ORIGIN_KEY,
    OWNER_KEY,
    Claim,
    release_reason,
    released,
)
from cortex_provider.session import Session
from cortex_provider.sql.finetune import DropModel, FinetuneCancel, FinetuneCreate
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.parse_cortex import FinetuneJob, FinetuneStatus, parse_finetune_create
from cortex_provider.sql.parse_show import ModelInfo
from cortex_provider.sql.statement import UserQuery

_LIVE = (FinetuneStatus.PENDING.value, FinetuneStatus.IN_PROGRESS.value)
ALL_STATUSES = frozenset(FinetuneStatus)


class FineTunedModelCore(ResourceCore[FineTunedModelSpec]):
    kind = "FineTunedModel"
    spec_type = FineTunedModelSpec
    replace_on = REPLACE_ON
    provider_only = PROVIDER_ONLY

    def __init__(
        self,
        policy: WaitPolicy | None = None,
        cache: ModelCache | None = None,
        estimator: Estimator = estimate,
    ) -> None:
        self.policy = policy or WaitPolicy()
        self.cache = cache or MODEL_CACHE
        self.estimator = estimator

    # -- pure ---------------------------------------------------------------------------------
    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        spec = self.parse(news)
        new = spec.model_dump(mode="json")
        olds = as_stored_now(olds)
        # A key absent from olds is null where create/update wrote the state, unknown in an import's
        # (spec.stored): adding a validation query or a definition is a change, an import is no retrain.
        changed = [k for k in self.spec_fields() if not same(stored(olds, k, new.get(k)), new.get(k))]
        if "data_fingerprint" in changed and (spec.retrain_on != "data" or spec.data_fingerprint is None):
            changed.remove("data_fingerprint")
        replaces = [k for k in changed if k in self.replace_on]
        if spec.retrain_on == "data" and "data_fingerprint" in changed and olds.get("data_fingerprint"):
            replaces.append("data_fingerprint")
        if outs.is_missing(olds):
            changed.append("status")
            replaces.append("status")
        elif records.record_pending(olds):  # created without waiting: this up writes the record
            changed.append(OWNER_KEY)
        delete_first = False
        if replaces and not outs.is_missing(olds) and olds.get("name") == new["name"]:
            if olds.get("retain_on_delete", True) or spec.retain_on_delete:
                raise ModelConflict(
                    f"{self.kind} {new['name']}: changing {', '.join(replaces)} retrains the model, and the "
                    "new model would take the same name, which the existing model keeps "
                    "(retain_on_delete is true). Fix: give the model a new `name` (the old one is kept), "
                    "or first set retain_on_delete=false and run `pulumi up`, then make this change "
                    "(the old model is then dropped before the retrain)."
                )
            delete_first = True
        return Diff(changed=changed, replaces=replaces, delete_before_replace=delete_first)

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: FineTunedModelSpec
               ) -> dict[str, Any]:
        """Provider-only fields: merged into state, nothing sent to Snowflake."""
        out = {**dict(olds), **spec.model_dump(mode="json"), SPEC_KNOWN: True}  # state holds the whole spec now
        if spec.data_fingerprint is None:
            out["data_fingerprint"] = olds.get("data_fingerprint")
        return out

    def update_as(self, session: Session, id_: str, olds: Mapping[str, Any], spec: FineTunedModelSpec,
                  claim: Claim) -> dict[str, Any]:
        """Provider-only fields, and the record a create without waiting could not write (finetune/owner.py)."""
        late = records.write_late_record(session, spec.model, olds, claim) if records.record_pending(olds) else {}
        self.cache.invalidate(session, spec.model.schema_name)
        return {**self.update(session, id_, olds, spec), **late}

    # -- lookups ------------------------------------------------------------------------------
    def _model_now(self, session: Session, model: QualifiedName) -> bool:
        return self._model_info(session, model) is not None

    def _model_info(self, session: Session, model: QualifiedName) -> ModelInfo | None:
        """live_model, and the cached SHOW of its schema is dropped (it just read fresher)."""
        info = live_model(session, model)
        self.cache.invalidate(session, model.schema_name)
        return info

    def _find(self, session: Session, spec: FineTunedModelSpec, statuses: frozenset[FinetuneStatus]
              ) -> FinetuneJob | None:
        return find_job(session, spec.model, spec.base_model, spec.training_query, spec.validation_query,
                        spec.max_epochs, statuses)

    # -- create -------------------------------------------------------------------------------
    def create(self, session: Session, spec: FineTunedModelSpec) -> Applied:
        return self.create_as(session, spec, Claim())

    def create_as(self, session: Session, spec: FineTunedModelSpec, claim: Claim) -> Applied:
        """Adopt only what is provably this resource's own or declared (resources/ownership.py)."""
        model = spec.model
        info = self._model_info(session, model)
        job = self._find(session, spec, ADOPTABLE)
        if info is not None:
            return self._adopt_model(session, spec, job, info, claim)
        if job is not None and job.status != FinetuneStatus.SUCCESS:
            self.policy.log(f"{spec.name}: adopting fine-tuning job {job.id} ({job.status.value}) "
                            "instead of starting another")
            cost = self.estimator(session, spec, False)
            return self._wait(session, spec, job, cost, "job", claim, records.job_origin(claim))
        cost = self.estimator(session, spec, True)  # hard limits raise here, before FINETUNE
        for warning in cost.warnings:
            self.policy.warn(f"{spec.name}: {warning}")
        stmt = FinetuneCreate(
            model=model,
            base_model=spec.base_model,
            training_query=UserQuery(spec.training_query, "training_query"),
            validation_query=UserQuery(spec.validation_query, "validation_query")
            if spec.validation_query is not None else None,
            options=spec.options.as_sql_options(),
        )
        job_id = parse_finetune_create(session.execute(stmt))
        self.policy.log(f"{spec.name}: started fine-tuning job {job_id} (about "
                        f"{cost.trained_tokens if cost.trained_tokens is not None else '?'} trained tokens)")
        started = describe(session, job_id) or FinetuneJob(id=job_id, status=FinetuneStatus.PENDING)
        return self._wait(session, spec, started, cost, None, claim, CREATED)

    def _adopt_model(self, session: Session, spec: FineTunedModelSpec, job: FinetuneJob | None,
                     info: ModelInfo, claim: Claim) -> Applied:
        origin, ours = records.take_model(session, spec, job, info.comment, claim)
        if not ours:
            job = None
            self.policy.warn(f"{spec.name}: the model already exists and its job record is gone; adopting "
                             "the model as is (its existence is the truth; no retrain)")
        elif job is not None:
            self.policy.log(f"{spec.name}: adopting the existing model (job {job.id})")
        cost = self.estimator(session, spec, False)
        records.write_record(session, spec.model, claim, info.comment)
        self.cache.invalidate(session, spec.model.schema_name)
        return Applied(spec.name, {**outs.build_outputs(
            spec, job=job, estimated_trained_tokens=cost.trained_tokens, training_rows=cost.rows,
            data_fingerprint=cost.fingerprint, adopted="model"), **claim.outputs(origin),
            **records.recorded_output(claim, True)})

    def _wait(self, session: Session, spec: FineTunedModelSpec, job: FinetuneJob, cost: Estimate,
              adopted: str | None, claim: Claim, origin: str) -> Applied:
        done = wait_for(session, spec.name, job, spec.wait, spec.timeout_minutes, self.policy, describe)
        if done.status == FinetuneStatus.SUCCESS:  # the model exists now: it carries this stack's record
            records.write_record(session, spec.model, claim, None)
            self.cache.invalidate(session, spec.model.schema_name)
        return Applied(spec.name, {**outs.build_outputs(
            spec, job=done, estimated_trained_tokens=cost.trained_tokens, training_rows=cost.rows,
            data_fingerprint=cost.fingerprint, adopted=adopted), **claim.outputs(origin),
            **records.recorded_output(claim, done.status == FinetuneStatus.SUCCESS)})

    # -- read ---------------------------------------------------------------------------------
    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        model = QualifiedName.parse(str(props.get("model") or props.get("name") or id_)).full("id")
        if "status" not in props:
            return self._import(session, id_, model)
        exists = self.cache.find(session, model) is not None
        status = props.get("status")
        if exists and status == FinetuneStatus.SUCCESS.value:
            return Applied(id_, dict(props))  # the steady state: no DESCRIBE
        job_id = props.get("job_id")
        job = describe(session, str(job_id)) if job_id and status != outs.MISSING else None
        succeeded = job if job is not None and job.status == FinetuneStatus.SUCCESS else None
        if exists:
            return Applied(id_, outs.refreshed(props, succeeded, model_exists=True))
        if job is not None and job.status.value in _LIVE:
            return Applied(id_, outs.refreshed(props, job, model_exists=False))
        if self._model_now(session, model):  # a fresh look (not cached) before declaring drift
            return Applied(id_, outs.refreshed(props, succeeded, model_exists=True))
        if outs.is_missing(props):
            return Applied(id_, dict(props))
        why = self._why_missing(model, status, job)
        self.policy.warn(f"{model.sql()}: {why}; the next `pulumi up` retrains it (about "
                         f"{props.get('estimated_trained_tokens') or '?'} trained tokens)")
        return Applied(id_, outs.missing(props, why))

    @staticmethod
    def _why_missing(model: QualifiedName, status: Any, job: FinetuneJob | None) -> str:
        if job is not None and job.status in (FinetuneStatus.ERROR, FinetuneStatus.CANCELLED):
            text = job.error_message or "no error text"
            return f"job {job.id} ended {job.status.value} without a model ({text})"
        succeeded = job is not None and job.status == FinetuneStatus.SUCCESS
        if status == FinetuneStatus.SUCCESS.value or succeeded:
            return f"model {model.sql()} was dropped outside Pulumi"
        return f"model {model.sql()} does not exist and its job record is gone"

    def _import(self, session: Session, id_: str, model: QualifiedName) -> Applied | None:
        """`pulumi import <id>`: rebuild the spec from the job record when Cortex still has it."""
        exists = self._model_now(session, model)
        job = find_job(session, model, None, None, None, None, ALL_STATUSES if exists else ADOPTABLE)
        if not exists and (job is None or job.status.value not in _LIVE):
            return None
        base: dict[str, Any] = {"name": model.sql(), "database": model.schema_name.database.sql(),
                                "schema_name": model.schema_name.schema.sql(), "model": model.sql()}
        # `pulumi import` reads (its preview does too) and so writes no record: `recorded: false` makes the
        # next `up` plan an update of `owner` and write it (finetune/owner.py), as for a late record.
        pending = {records.RECORDED_KEY: False}
        if job is None:
            return Applied(id_, {**base, **{k: None for k in outs.JOB_KEYS}, "status": "SUCCESS",
                                 "adopted": "model", ORIGIN_KEY: ADOPTED, **pending})
        opts = job.extra.get("options")
        spec = FineTunedModelSpec.model_validate({
            "name": model.sql(), "base_model": job.base_model or "",
            "training_query": job.training_data or "", "validation_query": job.validation_data,
            "options": opts if isinstance(opts, dict) else {}})
        out = outs.build_outputs(spec, job=job, estimated_trained_tokens=None, training_rows=None,
                                 data_fingerprint=None, adopted="import")
        if exists:
            out["status"] = FinetuneStatus.SUCCESS.value
        out[ORIGIN_KEY] = ADOPTED  # `pulumi import` is a declared adoption: released, never dropped
        out.update(pending)
        del out[SPEC_KNOWN]  # what the job record lacks (definitions, options) is unknown, not null
        if not isinstance(opts, dict):  # DESCRIBE need not carry `options`: unknown, so diff never
            out.pop("options", None)    # turns a declared max_epochs into a retrain after an import
        return Applied(id_, out)

    # -- delete -------------------------------------------------------------------------------
    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        name = str(props.get("model") or props.get("name") or id_)
        if outs.is_missing(props):
            self.policy.log(f"{name}: nothing to delete (it was already gone: {props.get('drift')})")
            return
        job_id, status = props.get("job_id"), props.get("status")
        if job_id and status in _LIVE:
            job = describe(session, str(job_id))
            if job is not None and not job.status.is_terminal:
                try:
                    session.execute(FinetuneCancel(str(job_id)))
                    self.policy.log(f"{name}: cancelled running fine-tuning job {job_id}")
                except SnowflakeStatementError as exc:
                    if "Cannot cancel" not in exc.message:  # it finished meanwhile
                        raise
        model = QualifiedName.parse(name).full("id")
        info = self._model_info(session, model)
        if info is None:
            self.policy.log(f"{name}: nothing to drop (the model does not exist)")
            return
        why = release_reason(props, info.comment, legacy_adopted=props.get("adopted") in ("model", "import"))
        if why is not None or props.get("retain_on_delete", True) is not False:
            records.release(session, model, props, info.comment)
            self.policy.log(released(self.kind, name, why) if why is not None else
                            f"{name}: model retained (retain_on_delete is true); it is no longer managed by "
                            "this stack (its record is cleared). Drop it with DROP MODEL when it is not needed.")
            return
        session.execute(DropModel(model))
        self.cache.invalidate(session, model.schema_name)
        self.policy.log(f"{name}: model dropped (retain_on_delete is false)")
