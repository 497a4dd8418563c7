"""A model's ownership record (resources/ownership.py): written with ALTER MODEL … SET COMMENT once the
model exists (docs.snowflake.com/en/sql-reference/sql/alter-model; a MODEL exists only after its job
succeeds, so the record follows the job), and cleared with SET COMMENT = '' when this stack lets it go
(that page documents no UNSET COMMENT).

A model created with `wait: none` or `wait: running` does not exist when create returns, so create
cannot write the record; its output `recorded` is then false. Refresh only reads (it never writes the
record, even when it sees the job succeed); once state says SUCCESS with `recorded: false` (after a
`pulumi refresh`, or in one step `pulumi up --refresh`), the diff plans an in-place update of `owner`
and that `up` writes the record (ALTER MODEL … SET COMMENT, nothing retrained). `recorded` is true once
written, and null where there is nothing to write (no owner, or another stack's record on the model).
State from before this output never diffs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.errors import CortexProviderError
from cortex_provider.resources.finetune.lookup import RUNNING, find_job, live_model
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.ownership import (
    ADOPTED,
    CREATED,
    OWNER_KEY,
    Claim,
    Owner,
    is_mine,
    log_release,
    parse_record,
    take_existing,
)
from cortex_provider.resources.ownership import RECORDED_KEY as RECORDED_KEY
from cortex_provider.session import Session
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.ownership import SetComment, clear_comment
from cortex_provider.sql.parse_cortex import FinetuneJob, FinetuneStatus


class ModelConflict(CortexProviderError):
    """A model of that name exists but was trained from another spec: never adopted, never dropped."""


def take_model(session: Session, spec: FineTunedModelSpec, job: FinetuneJob | None, comment: str | None,
               claim: Claim) -> tuple[str, bool]:
    """Whether create takes an existing model, read-only (FineTunedModelCore.create_as, and a release's
    plan for an unpromoted version): (CREATED/ADOPTED, whether `job`, this spec's, trained it); raises
    OwnershipError or ModelConflict where create refuses it."""
    # The model's own job from this spec with no record yet: a crash before the record was written.
    ours = job is not None and job.status == FinetuneStatus.SUCCESS
    origin = take_existing("FineTunedModel", spec.name, comment, claim, provably_ours=ours)
    if not ours:
        other = find_job(session, spec.model, None, None, None, None, frozenset({FinetuneStatus.SUCCESS}))
        if other is not None:
            raise ModelConflict(
                f"FineTunedModel {spec.name}: a model of that name exists, trained by job {other.id} from "
                f"another spec (base model {other.base_model}, data {other.training_data!r}). It is "
                "neither adopted nor dropped. Fix: choose another `name`, or drop that model yourself."
            )
    return origin, ours


def job_origin(claim: Claim) -> str:
    """The origin of a create that takes over a job still running (no model exists yet, so no record
    to read): declared `adopt: true` makes it ADOPTED, else it is this resource's interrupted create."""
    return ADOPTED if claim.adopt else CREATED


def would_adopt_job(session: Session, spec: FineTunedModelSpec, claim: Claim) -> tuple[str, FinetuneJob] | None:
    """(origin, job) when no model of that name exists yet and a PENDING/IN_PROGRESS job trains it from
    this spec: create then adopts that job and starts none (FineTunedModelCore.create_as), so the
    plan (finetune and release) says `adopt` at no cost. Read-only: SHOW MODELS, FINETUNE('SHOW')."""
    if live_model(session, spec.model) is not None:
        return None
    job = find_job(session, spec.model, spec.base_model, spec.training_query, spec.validation_query,
                   spec.max_epochs, RUNNING)
    return None if job is None else (job_origin(claim), job)




def recorded_output(claim: Claim, written: bool) -> dict[str, Any]:
    """The `recorded` output of a create: null without an owner, else whether the record was written."""
    return {RECORDED_KEY: None if claim.owner is None else written}


def record_pending(olds: Mapping[str, Any]) -> bool:
    """State says the model exists and its record is still to write (created without waiting)."""
    return olds.get(RECORDED_KEY) is False and olds.get("status") == FinetuneStatus.SUCCESS.value


def write_late_record(session: Session, model: QualifiedName, olds: Mapping[str, Any], claim: Claim
                      ) -> dict[str, Any]:
    """The record a create could not write (the model did not exist yet), written by the next `up`;
    another stack's record on the model is left as it is (delete then releases it)."""
    claim = Claim(claim.owner or Owner.from_input(olds.get(OWNER_KEY)))
    info = live_model(session, model)
    if info is None or claim.owner is None:
        return {RECORDED_KEY: False if info is None and claim.owner is not None else None}
    record = parse_record(info.comment)
    if record is not None and record != claim.owner:
        log_release(f"FineTunedModel {model.sql()}: not recorded as this stack's: its COMMENT names "
                    f"{record.describe()}")
        return {RECORDED_KEY: None}
    write_record(session, model, claim, info.comment)
    return {RECORDED_KEY: True}


def write_record(session: Session, model: QualifiedName, claim: Claim, comment: str | None) -> None:
    """Write this resource's record unless the live comment (`comment`, when known) already holds it."""
    text = claim.record()
    if text is None or (claim.owner is not None and parse_record(comment) == claim.owner):
        return
    session.execute(SetComment("MODEL", model, text))


def release(session: Session, model: QualifiedName, props: Mapping[str, Any], comment: str | None) -> None:
    """Clear the record when it is this resource's; another owner's record is left as it is."""
    if is_mine(props, comment):
        session.execute(clear_comment("MODEL", model))


def would_take(session: Session, spec: FineTunedModelSpec, claim: Claim) -> str | None:
    """What create will do with an existing model, found read-only (so the plan can say `adopt`):
    CREATED/ADOPTED when it takes the model over, None when there is none; raises OwnershipError
    where create refuses. The same rules as FineTunedModelCore.create_as."""
    model = spec.model
    info = live_model(session, model)
    if info is None:
        return None
    record = parse_record(info.comment)
    if (record is not None and record != claim.owner) or (record is None and claim.adopt):
        return take_existing("FineTunedModel", spec.name, info.comment, claim)
    job = find_job(session, model, spec.base_model, spec.training_query, spec.validation_query, spec.max_epochs,
                   frozenset({FinetuneStatus.SUCCESS}))
    if record is not None and job is None:
        # This resource's own model from another spec: the check of a replacement (the engine sends it
        # without the old inputs). `up` drops the old model first (delete-before-replace) and trains.
        return None
    return take_existing("FineTunedModel", spec.name, info.comment, claim, provably_ours=job is not None)
