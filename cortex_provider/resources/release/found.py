"""What a release finds in Snowflake on create, and what `keep` drops: read the same way by `up`
(core.py: discover, then record and reconcile) and by the preview's `release_plan` (plan.py), so the
plan says what `up` does. Read-only: SHOW MODELS, SHOW USER FUNCTIONS, FINETUNE('SHOW'/'DESCRIBE').
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cortex_provider.resources.finetune.core import ALL_STATUSES
from cortex_provider.resources.finetune.lookup import find_job
from cortex_provider.resources.finetune.owner import would_adopt_job
from cortex_provider.resources.ownership import ADOPTED, ORIGIN_KEY, Claim, Owner, take_existing
from cortex_provider.resources.release.owner import KIND, existing_origin
from cortex_provider.resources.release.spec import ModelReleaseSpec
from cortex_provider.session import Session
from cortex_provider.sql.endpoint import (
    ShowUserFunctions,
    parse_user_functions,
    parse_version,
    version_label,
    version_name,
    version_of,
)
from cortex_provider.sql.finetune import ShowModels
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.parse_show import ModelInfo, parse_models


@dataclass(frozen=True)
class Found:
    """The versions that exist (state rows, oldest first, each with its origin), their SHOW rows, the
    release's origin and the serving version. The newest version carries the spec's digest when its job
    trained this spec (or its job record is gone): `up` then serves it and trains nothing."""

    versions: list[dict[str, Any]]
    infos: list[ModelInfo]
    origin: str
    serving: str | None
    endpoint_owner: dict[str, str] | None = None  # the record in the endpoint's COMMENT (None: none yet)


def existing_versions(session: Session, spec: ModelReleaseSpec, claim: Claim) -> Found:
    """Raises OwnershipError where create refuses the existing versions (release/owner.py)."""
    endpoint = spec.endpoint
    infos = parse_models(session.execute(ShowModels(schema=endpoint.schema_name)))
    versions: list[dict[str, Any]] = []
    found: list[ModelInfo] = []
    for info in sorted(infos, key=lambda m: version_of(endpoint, m.name) or 0):
        n = version_of(endpoint, info.name)
        if n is None:
            continue
        found.append(info)
        model = version_name(endpoint, n)
        job = find_job(session, model, None, None, None, None, ALL_STATUSES)
        versions.append({"version": version_label(n), "model": model.sql(), "job_id": job.id if job else None,
                         "digest": None, "status": "SUCCESS", "trained_tokens": job.trained_tokens if job else None,
                         "estimated_trained_tokens": None})
    spec_job = None
    if versions:  # the newest existing version is the spec's when its job record says so (or is gone)
        newest = versions[-1]
        spec_job = find_job(session, QualifiedName.parse(newest["model"]), spec.base_model, spec.training_query,
                            spec.validation_query, spec.options.max_epochs, ALL_STATUSES)
        record = find_job(session, QualifiedName.parse(newest["model"]), None, None, None, None, ALL_STATUSES)
        if spec_job is not None or record is None:
            newest["digest"] = spec.digest
    origin = existing_origin(spec.name, found, claim, newest_is_spec=bool(versions) and spec_job is not None)
    for v in versions:
        v[ORIGIN_KEY] = origin
    serving, recorded = None, None
    for f in parse_user_functions(session.execute(ShowUserFunctions(endpoint.schema_name, endpoint.name))):
        if f.name == endpoint.name.name and f.release is not None:
            serving = str(f.release["serving"])
            endpoint_owner(spec.name, f.release, claim)
            recorded = f.release.get("owner")
    return Found(versions, found, origin, serving, recorded)


def endpoint_owner(name: str, release: Mapping[str, Any], claim: Claim) -> None:
    """The endpoint's own record (its COMMENT, sql/endpoint.py): another stack's refuses the release, even
    with `adopt` and with no version left to carry a record (all dropped by hand). Raises OwnershipError."""
    owner = Owner.from_input(release.get("owner"))
    if owner is not None:
        take_existing(KIND, f"{name} (endpoint)", owner.record(), Claim(claim.owner))


def running_version(session: Session, spec: ModelReleaseSpec, number: int, claim: Claim) -> str | None:
    """The origin `up` gives version `number` when its model does not exist yet and a job still trains
    it from this spec (an interrupted or timed-out `up`): `up` adopts that job and starts none
    (FineTunedModelCore.create_as), so the plan says `adopt` at 0 tokens. None: `up` trains it."""
    got = would_adopt_job(session, spec.version_spec(number), claim)
    return None if got is None else got[0]


def beyond_keep(versions: Sequence[Mapping[str, Any]], keep: int | None, protected: set[str]
                ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """`keep`'s retention, (dropped, kept although beyond keep): all but the newest `keep` versions,
    never a protected one (serving, target) nor one this stack adopted (it never drops what it did not
    create). None or 0 keeps every version."""
    if not keep:
        return [], []
    ordered = sorted(versions, key=lambda v: parse_version(str(v["version"])))
    newest = {v["version"] for v in ordered[-keep:]}
    beyond = [v for v in ordered if v["version"] not in newest and v["version"] not in protected]
    return ([v for v in beyond if v.get(ORIGIN_KEY) != ADOPTED], [v for v in beyond if v.get(ORIGIN_KEY) == ADOPTED])


def spec_version(held: Mapping[str, str | None], digest: str) -> str | None:
    """The one rule for which version a spec change lands on, read by `up` (core.py, over the versions in
    state) and by the plan (plan.py, over the versions its last plan left): the newest held version trained
    from this spec (its digest) serves again, no training, under a pin or not; None: a version is trained,
    numbered by next_number."""
    return next((v for v in sorted(held, key=parse_version, reverse=True) if held[v] == digest), None)


def next_number(held: Iterable[str]) -> int:
    """The number the next trained version starts from: after the newest version the release holds (not the
    serving one, which a pin keeps older); names above it that exist are taken or skipped as
    FineTunedModelCore.create_as decides (an unpromoted version of this spec is taken, another's skipped)."""
    return max((parse_version(v) for v in held), default=0) + 1
