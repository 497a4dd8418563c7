"""The `release_plan` input: what `pulumi preview --diff` shows for a ModelRelease.

    {"train": "V3" | None, "adopt": "V3" | None, "rows": N, "estimated_trained_tokens": T,
     "serving_before": "V2" | None, "serving_after": "V3", "gated": bool, "drops": ["V1", ...]}

It predicts what `up` does (core.py), read from Snowflake, since check sees the old inputs, not the
versions in state:
- a version whose model does not exist yet while its job still trains it from this spec (an
  interrupted or timed-out `up`) is `adopt`ed at 0 tokens, as `up` adopts that job (found.py);
- which version the spec lands on follows core.py's rule (found.py: spec_version, next_number) over the
  versions state holds, which each plan carries to the next (`version_digests`): a held version trained
  from this spec serves again (`adopt`, 0 tokens; the spec moved back, pinned or not); else the next
  version is numbered after the newest held one (a plan from before `version_digests`: after the serving
  one). A version at or above that number that already exists is one an earlier `up` trained and did
  not promote (its gate failed, or it crashed before state was written): `up` adopts it when its job
  trained this spec (or its record is gone), so the plan says `adopt` with 0 trained tokens; one trained
  from another spec is skipped; the first free number is trained (`train`, with its pre-flight estimate);
- `drops`: the versions `keep` will drop (the oldest beyond the newest `keep`; the serving version and
  the one trained or adopted are never dropped).
Computed by the provider's check only when something that trains, repoints, gates or retains changed (or
on create), with read-only SHOWs, DESCRIBEs and the pre-flight measurement. Otherwise the old plan is
carried, so a no-op stays a no-op and sends no SQL.
- `adopted`: the versions this stack adopted (core.py keeps them beyond `keep`): found on create by
  release/found.py as `up` finds them, then carried from plan to plan (the old plan is an old input),
  so `drops` never lists them. On create over existing versions the plan is what discover does: the
  newest version serves at no cost when it is this spec's, a version another stack records fails the
  preview with `up`'s message. An unpromoted version is taken or skipped by the rule create_as applies
  (finetune/owner.py take_model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cortex_provider.resources.base import same
from cortex_provider.resources.finetune.lookup import ADOPTABLE, find_job
from cortex_provider.resources.finetune.owner import ModelConflict, take_model
from cortex_provider.resources.finetune.plan import Measure
from cortex_provider.resources.ownership import ADOPTED, CREATED, ORIGIN_KEY, Claim, OwnershipError
from cortex_provider.resources.release.found import (
    Found,
    beyond_keep,
    existing_versions,
    next_number,
    running_version,
    spec_version,
)
from cortex_provider.resources.release.spec import TRAINING_FIELDS, ModelReleaseSpec
from cortex_provider.session import Session
from cortex_provider.sql.endpoint import (
    ShowUserFunctions,
    parse_user_functions,
    parse_version,
    version_label,
    version_of,
)
from cortex_provider.sql.finetune import ShowModels
from cortex_provider.sql.parse_show import parse_models

PLAN_KEY = "release_plan"
DIGESTS_KEY = "version_digests"  # the versions `up` leaves in state, each with the digest it was trained from


@dataclass(frozen=True)
class LiveRelease:
    """What Snowflake holds of a release: its version numbers, the serving one, and the version `up`
    would take for the spec (`adopt` an existing one create takes for it, else `train` the next number).
    `found` (create: what discover finds, release/found.py) and `refusal` (create's OwnershipError)."""

    numbers: list[int] = field(default_factory=list)
    serving: str | None = None
    adopt: int | None = None
    train: int | None = None
    adopt_origin: str = CREATED
    found: Found | None = None
    refusal: str | None = None
    found_next_running: str | None = None  # create over versions: the next one's job runs (its origin)


class Live(Protocol):
    """Reads a release's LiveRelease; `start`: where the next version is numbered from (found.py's
    next_number over the versions the last plan left), None: after the serving version (a plan from before
    plans carried the versions)."""

    def __call__(self, spec: ModelReleaseSpec, start: int | None = None, /) -> LiveRelease: ...


def live_state(session: Callable[[], Session], claim: Claim | None = None) -> Live:
    """A Live over read-only SHOW MODELS / SHOW USER FUNCTIONS / FINETUNE('SHOW'/'DESCRIBE'); `claim`:
    the release's owner and `adopt` input, read as create reads them."""
    claim = claim or Claim()

    def read(spec: ModelReleaseSpec, start: int | None = None, /) -> LiveRelease:
        s, endpoint = session(), spec.endpoint
        try:
            found, refusal = existing_versions(s, spec, claim), None
        except OwnershipError as exc:
            found, refusal = None, str(exc)
        infos = {n: m for m in parse_models(s.execute(ShowModels(schema=endpoint.schema_name)))
                 if (n := version_of(endpoint, m.name)) is not None}
        numbers = sorted(infos)
        serving = found.serving if found is not None else None
        if found is None:
            for f in parse_user_functions(s.execute(ShowUserFunctions(endpoint.schema_name, endpoint.name))):
                if f.name == endpoint.name.name and f.release is not None:
                    serving = str(f.release["serving"])
        number = start if start is not None else (parse_version(serving) if serving else 0) + 1
        while number in numbers:  # not promoted by an earlier up: taken as FineTunedModelCore.create_as would
            vspec = spec.version_spec(number)
            job = find_job(s, vspec.model, vspec.base_model, vspec.training_query, vspec.validation_query,
                           vspec.max_epochs, ADOPTABLE)
            try:
                origin, _ = take_model(s, vspec, job, infos[number].comment, claim)
            except (ModelConflict, OwnershipError):
                number += 1  # held by another spec or owner: never taken (core.py's _train skips it)
                continue
            return LiveRelease(numbers, serving, adopt=number, adopt_origin=origin, found=found, refusal=refusal)
        running = running_version(s, spec, number, claim)  # its job still runs: `up` adopts it
        if running is not None:
            return LiveRelease(numbers, serving, adopt=number, adopt_origin=running, found=found, refusal=refusal)
        after = None
        if found is not None and found.versions and found.versions[-1].get("digest") != spec.digest:
            after = running_version(s, spec, max(numbers, default=0) + 1, claim)
        return LiveRelease(numbers, serving, train=number, found=found, refusal=refusal, found_next_running=after)

    return read


def _changed(olds: Mapping[str, Any], new: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    return any(not same(olds.get(k), new.get(k)) for k in keys)


def release_plan(olds: Mapping[str, Any], spec: ModelReleaseSpec, live: Live, measure: Measure
                 ) -> dict[str, Any] | None:
    new = spec.model_dump(mode="json")
    existing = "base_model" in olds
    retrains = not existing or _changed(olds, new, TRAINING_FIELDS)
    if existing and not retrains and not _changed(olds, new, ("serving", "gate", "keep")):
        old = olds.get(PLAN_KEY)
        return dict(old) if isinstance(old, Mapping) else None
    held = _held(olds) if existing else None  # the versions state holds, as the last plan left them
    try:
        state = live(spec) if held is None else live(spec, next_number(held))
    except Exception:  # the schema does not exist yet (created in this same up)
        state = LiveRelease(train=1)
    if not existing and state.refusal is not None:
        raise OwnershipError(state.refusal)  # create refuses the existing versions: so does the preview
    if not existing and state.found is not None and state.found.versions:
        return _with_estimate(_create_plan(spec, state.found, state.found_next_running), spec, measure)
    latest = max(state.numbers, default=0)
    again = spec_version(held, spec.digest) if held is not None and retrains else None  # core.py's rule
    adopt = again or (version_label(state.adopt) if retrains and state.adopt is not None else None)
    train = version_label(state.train or latest + 1) if retrains and adopt is None else None
    # nothing trains: the version serving now keeps serving (a newer one may exist unpromoted)
    after = spec.serving or train or adopt or state.serving or (version_label(latest) if latest else None)
    old_plan = olds.get(PLAN_KEY)
    adopted = set(old_plan.get("adopted") or []) if isinstance(old_plan, Mapping) else set()
    if adopt is not None and again is None and state.adopt_origin == ADOPTED:
        adopted.add(adopt)
    plan: dict[str, Any] = {"train": train, "adopt": adopt, "rows": None,
                            "estimated_trained_tokens": 0 if adopt else None,
                            "serving_before": state.serving, "serving_after": after,
                            "gated": bool(spec.gate) and spec.serving is None and after != state.serving,
                            "drops": drops(spec, state, after, train or adopt, adopted), "adopted": sorted(adopted)}
    if held is not None or not existing:
        plan[DIGESTS_KEY] = _held_after({} if held is None else held, train or adopt, spec.digest, plan["drops"])
    return _with_estimate(plan, spec, measure)


def _held(olds: Mapping[str, Any]) -> dict[str, str | None] | None:
    """The versions state holds with their digests, as the last plan left them; None for a plan from before
    plans carried them (that release keeps numbering after the serving version)."""
    old = olds.get(PLAN_KEY)
    got = old.get(DIGESTS_KEY) if isinstance(old, Mapping) else None
    if not isinstance(got, Mapping):
        return None
    return {str(k): None if v is None else str(v) for k, v in got.items()}


def _held_after(held: Mapping[str, str | None], target: str | None, digest: str, dropped: list[str]
                ) -> dict[str, str]:
    """The versions state holds once `up` did what the plan says (core.py's reconcile): the one trained or
    taken carries this spec's digest, the dropped ones are gone; "" where the digest is unknown (state
    would drop a null, and the version must still count for next_number)."""
    out = dict(held)
    if target is not None:
        out[target] = digest
    return {v: out[v] or "" for v in sorted(out, key=parse_version) if v not in dropped}


def _create_plan(spec: ModelReleaseSpec, found: Found, next_running: str | None) -> dict[str, Any]:
    """Create over existing versions: `up` takes them all (core.discover) and serves the newest when it
    is this spec's (adopt, no cost), else trains the next number, or adopts its job when it still runs
    (`next_running`: that version's origin)."""
    target = next((v for v in reversed(found.versions) if v.get("digest") == spec.digest), None)
    latest = max(parse_version(str(v["version"])) for v in found.versions)
    adopt = None if target is None else str(target["version"])
    if adopt is None and next_running is not None:
        adopt, target = version_label(latest + 1), {"version": version_label(latest + 1), ORIGIN_KEY: next_running}
    train = None if adopt is not None else version_label(latest + 1)
    after = spec.serving or adopt or train
    new = [target] if target is not None and target not in found.versions else []
    rows = [*found.versions, *new, *([{"version": train, ORIGIN_KEY: CREATED}] if train else [])]
    dropped, _ = beyond_keep(rows, spec.keep, {v for v in (after, adopt or train) if v is not None})
    adopted = sorted((str(v["version"]) for v in [*found.versions, *new] if v.get(ORIGIN_KEY) == ADOPTED),
                     key=parse_version)
    held = {str(v["version"]): v.get("digest") for v in found.versions}
    out_drops = [str(v["version"]) for v in dropped]
    return {"train": train, "adopt": adopt, "rows": None, "estimated_trained_tokens": 0 if adopt else None,
            "serving_before": found.serving, "serving_after": after,
            "gated": bool(spec.gate) and spec.serving is None and after != found.serving,
            "drops": out_drops, "adopted": adopted,
            DIGESTS_KEY: _held_after(held, adopt or train, spec.digest, out_drops)}


def _with_estimate(plan: dict[str, Any], spec: ModelReleaseSpec, measure: Measure) -> dict[str, Any]:
    if plan["train"] is not None:
        try:
            got = measure(spec.training_query, spec.base_model, spec.options.max_epochs,
                          spec.validation_query is None)  # no validation query: Cortex splits one off
            plan["rows"], plan["estimated_trained_tokens"] = got.rows, got.trained_tokens
            if spec.options.max_epochs is None and got.max_trained_tokens is not None:
                plan["max_trained_tokens"] = got.max_trained_tokens
        except Exception as exc:  # never fail a plan over its estimate: the up measures again
            plan["note"] = f"rows: unknown until the data exists ({str(exc).splitlines()[0][:160]})"
    return plan


def drops(spec: ModelReleaseSpec, state: LiveRelease, serving_after: str | None, target: str | None,
          adopted: set[str] | None = None) -> list[str]:
    """The versions `keep` drops once this up is done (found.py's beyond_keep, core.py's retention): of
    the versions the release holds (those up to the serving one, all of them under a pin, and the one
    trained or adopted now), all but the newest `keep`, never the serving one nor `target`, nor one this
    stack adopted (`adopted`: the plan carries them from the create that took them over)."""
    top = parse_version(state.serving) if state.serving and spec.serving is None else None
    held = {n for n in state.numbers if top is None or n <= top}
    protected = {v for v in (serving_after, target) if v is not None}
    held |= {parse_version(v) for v in protected}
    rows = [{"version": version_label(n), ORIGIN_KEY: ADOPTED if version_label(n) in (adopted or set()) else CREATED}
            for n in sorted(held)]
    dropped, _ = beyond_keep(rows, spec.keep, protected)
    return [str(v["version"]) for v in dropped]
