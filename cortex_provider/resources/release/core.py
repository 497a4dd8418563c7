"""The ModelRelease reconcile core.

State (outputs) keeps the version history: `versions` = [{version, model, job_id, digest, status,
trained_tokens, estimated_trained_tokens}], `serving_version`/`serving_model` (the input `serving` is
the pin), `latest`, `endpoint`, `gate`.

One reconcile (create = discover what already exists, then reconcile; update = reconcile from state):
1. target version: the version trained from the spec's digest if one exists (no training, no cost),
   else the next number, trained by FineTunedModelCore (adopt-before-buy: a crash after CREATE, or a
   gate that failed last time, adopts the trained model; a name taken by another spec is skipped);
2. serving: the pin (`serving: V1`, a rollback: no training, no gate) or the target. Promoting a new
   version runs the gate when declared: candidate and serving version scored in ONE query; below the
   threshold or below the serving version, the step FAILS with both scores, the endpoint is untouched
   and Pulumi skips everything that depends on the release (grants, shares, replication);
3. promotion: USAGE on the new version for usage_roles first, then CREATE OR REPLACE SECURE FUNCTION
   ... COPY GRANTS (atomic; callers never see a missing function or lose access), then REVOKE on the
   old version;
4. retention: versions beyond the last `keep` are dropped, never the serving one nor the target.
Delete drops the endpoint; versions are kept unless retain_on_delete is false. Ownership (release/owner.py):
what this stack adopted, or another stack's record names, is released, never dropped (delete, retention).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from cortex_provider.errors import CortexProviderError, InvalidInput
from cortex_provider.resources.base import Applied, Diff, ResourceCore, same, stored
from cortex_provider.resources.evaluation import EvaluationCore, EvaluationFailed, EvaluationSpec, decide
from cortex_provider.resources.finetune.core import FineTunedModelCore, ModelConflict
from cortex_provider.resources.finetune.spec import as_stored_now
from cortex_provider.resources.ownership import (
    ORIGIN_KEY,
    OWNER_KEY,
    Claim,
    Owner,
    OwnershipError,
    origin_of,
)
from cortex_provider.resources.release.found import beyond_keep, existing_versions, next_number, spec_version
from cortex_provider.resources.release.owner import record_versions, tear_down
from cortex_provider.resources.release.spec import IDENTITY_FIELDS, ModelReleaseSpec
from cortex_provider.session import Session
from cortex_provider.sql.endpoint import (
    CreateEndpoint,
    GrantEndpointUsage,
    ShowUserFunctions,
    parse_user_functions,
    parse_version,
    version_label,
)
from cortex_provider.sql.finetune import DropModel
from cortex_provider.sql.grants import Grantee, GrantPrivilege, GrantTarget, Privilege, RevokePrivilege
from cortex_provider.sql.identifiers import Identifier, QualifiedName

ENDPOINT_OWNER = "endpoint_owner"  # discover -> reconcile only: the record the live endpoint carries
MAX_SKIPS = 5  # version names taken by other specs skipped before giving up


class ReleaseGateFailed(EvaluationFailed):
    """The candidate version scored below the threshold or below the serving version: not promoted."""


class ReleaseConflict(CortexProviderError):
    """The declared pin names a version that does not exist, or versions are blocked by other specs."""


def _num(v: Mapping[str, Any]) -> int:
    return parse_version(str(v["version"]), "version")


class ModelReleaseCore(ResourceCore[ModelReleaseSpec]):
    kind = "ModelRelease"
    spec_type = ModelReleaseSpec
    replace_on = IDENTITY_FIELDS

    def __init__(self, models: FineTunedModelCore | None = None, evaluator: EvaluationCore | None = None) -> None:
        self.models = models or FineTunedModelCore()
        self.evaluator = evaluator or EvaluationCore()

    @property
    def log(self) -> Any:
        return self.models.policy.log

    # -- pure ---------------------------------------------------------------------------------
    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        spec = self.parse(news)
        new = spec.model_dump(mode="json")
        olds = as_stored_now(olds)
        # State drops a key whose value is None (base.wire_form): absent is the field's default, so pinning
        # `serving`, adding a `gate` or a validation query is a change (state from before a field existed
        # holds its default too).
        changed = [k for k in self.spec_fields()
                   if not same(stored(ModelReleaseSpec, olds, k, new.get(k), absent_is_null=True), new.get(k))]
        if olds.get("endpoint_live") is False:
            changed.append("endpoint_live")  # dropped by hand: the next up re-creates it
        return Diff(changed=changed, replaces=[k for k in changed if k in self.replace_on])

    # -- discovery (create adopts what exists: brownfield, a crash before state was written) ----
    def discover(self, session: Session, spec: ModelReleaseSpec, claim: Claim | None = None) -> dict[str, Any]:
        """What exists (release/found.py, the plan reads it the same way), with this stack's record written."""
        claim = claim or Claim()
        found = existing_versions(session, spec, claim)
        record_versions(session, found.versions, found.infos, claim)
        return {"versions": found.versions, "serving_version": found.serving, ORIGIN_KEY: found.origin,
                ENDPOINT_OWNER: found.endpoint_owner}

    # -- create / update ----------------------------------------------------------------------
    def create(self, session: Session, spec: ModelReleaseSpec) -> Applied:
        return self.create_as(session, spec, Claim())

    def create_as(self, session: Session, spec: ModelReleaseSpec, claim: Claim) -> Applied:
        """Existing versions are taken only when provably this resource's or declared (release/owner.py)."""
        found = self.discover(session, spec, claim)
        if found["versions"]:
            self.log(f"{spec.name}: adopting existing versions "
                     f"{', '.join(v['version'] for v in found['versions'])} (serving {found['serving_version']})")
        return Applied(spec.name, {**self.reconcile(session, found, spec, claim), **claim.outputs(found[ORIGIN_KEY])})

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: ModelReleaseSpec) -> dict[str, Any]:
        return self.update_as(session, id_, olds, spec, Claim())

    def update_as(self, session: Session, id_: str, olds: Mapping[str, Any], spec: ModelReleaseSpec, claim: Claim
                  ) -> dict[str, Any]:
        claim = Claim(claim.owner or Owner.from_input(olds.get(OWNER_KEY)), claim.adopt)
        return {**self.reconcile(session, olds, spec, claim), **claim.outputs(origin_of(olds))}

    def reconcile(self, session: Session, olds: Mapping[str, Any], spec: ModelReleaseSpec,
                  claim: Claim | None = None) -> dict[str, Any]:
        claim = claim or Claim()
        versions = [dict(v) for v in (olds.get("versions") or [])]
        before = olds.get("serving_version") if olds.get("endpoint_live") is not False else None
        label = spec_version({str(v["version"]): v.get("digest") for v in versions}, spec.digest)
        target = next((v for v in versions if v["version"] == label), None)  # the plan's rule too (found.py)
        if target is None:
            if spec.serving is not None and not any(v["version"] == spec.serving for v in versions):
                raise ReleaseConflict(self._no_such_version(spec, versions))
            target = self._train(session, spec, versions, claim)
            versions.append(target)
        want = spec.serving or target["version"]
        chosen = next((v for v in versions if v["version"] == want), None)
        if chosen is None:
            raise ReleaseConflict(self._no_such_version(spec, versions))
        gate: dict[str, Any] | None = dict(olds["gate"]) if isinstance(olds.get("gate"), Mapping) else None
        if want != before:
            if spec.serving is None and spec.gate is not None:
                gate = self._gate(session, spec, chosen, next((v for v in versions if v["version"] == before), None))
            self._promote(session, spec, chosen, before, versions, olds, claim)
        else:
            if ENDPOINT_OWNER in olds and claim.owner is not None and olds[ENDPOINT_OWNER] != claim.owner.as_input():
                model = QualifiedName.parse(chosen["model"]).full("model")  # taken over: record it, same serving
                session.execute(CreateEndpoint(spec.endpoint, model, chosen["version"], claim.owner.as_input()))
            self._grants(session, spec, chosen, olds)
        versions = self._retain(session, spec, versions, {want, target["version"]})
        return {
            **spec.model_dump(mode="json"), "endpoint": spec.endpoint.sql(), "serving_version": want,
            "serving_model": chosen["model"], "serving_job_id": chosen.get("job_id"),
            "latest": max(versions, key=_num)["version"], "versions": versions, "gate": gate,
            "endpoint_live": True, "granted_roles": list(spec.usage_roles),
        }

    @staticmethod
    def _no_such_version(spec: ModelReleaseSpec, versions: list[dict[str, Any]]) -> str:
        have = ", ".join(v["version"] for v in versions) or "none yet"
        return (f"ModelRelease {spec.name}: serving = {spec.serving} names no version of this release (have: "
                f"{have}). Fix: pin one of those, or remove `serving` to serve the latest version.")

    def _train(self, session: Session, spec: ModelReleaseSpec, versions: list[dict[str, Any]], claim: Claim
               ) -> dict[str, Any]:
        number = next_number(str(v["version"]) for v in versions)
        for _ in range(MAX_SKIPS):
            vspec = spec.version_spec(number)
            try:
                applied = self.models.create_as(session, vspec, claim)
            except (ModelConflict, OwnershipError) as exc:  # held by another spec or owner: never taken
                self.log(f"{spec.name}: {vspec.name} is taken ({exc}); trying the next version")
                number += 1
                continue
            out = applied.outputs
            self.log(f"{spec.name}: version {version_label(number)} is {vspec.name} (job {out.get('job_id')})")
            return {"version": version_label(number), "model": vspec.name, "job_id": out.get("job_id"),
                    "digest": spec.digest, "status": out.get("status"), "trained_tokens": out.get("trained_tokens"),
                    "estimated_trained_tokens": out.get("estimated_trained_tokens"), ORIGIN_KEY: out.get(ORIGIN_KEY)}
        raise ReleaseConflict(f"ModelRelease {spec.name}: {MAX_SKIPS} version names in a row are taken by models "
                              "trained from other specs. Fix: drop them, or give the release another name.")

    def _gate(self, session: Session, spec: ModelReleaseSpec, candidate: dict[str, Any],
              serving: dict[str, Any] | None) -> dict[str, Any]:
        assert spec.gate is not None
        g = spec.gate
        espec = EvaluationSpec(model=candidate["model"], eval_query=g.eval_query, metric=g.metric,
                               threshold=g.threshold, baseline_model=serving["model"] if serving else None,
                               max_rows=g.max_rows, max_tokens=g.max_tokens)
        rows, score, base = self.evaluator.measure(session, espec)
        if rows == 0 or score is None:
            raise ReleaseGateFailed(f"ModelRelease {spec.name}: the gate's eval_query returned no rows; "
                                    f"{candidate['version']} is not promoted. Fix: point it at held-out rows")
        passed, reason = decide(espec, score, base)
        result = {"candidate": candidate["version"], "baseline": serving["version"] if serving else None,
                  "metric": g.metric, "model_score": score, "baseline_score": base, "rows_evaluated": rows,
                  "passed": passed, "reason": reason}
        if not passed:
            keeps = f"{serving['version']} keeps serving" if serving else "nothing serves yet"
            raise ReleaseGateFailed(
                f"ModelRelease {spec.name}: gate FAILED for {candidate['version']}: {reason} ({g.metric}: "
                f"{candidate['version']} = {score:.4f}" + (f", {serving['version']} = {base:.4f}" if serving
                                                           and base is not None else "")
                + f"; {rows} rows). {keeps}; nothing that depends on the release rolls out.")
        self.log(f"{spec.name}: gate passed for {candidate['version']}: {reason}")
        return result

    # -- endpoint and grants ------------------------------------------------------------------
    def _promote(self, session: Session, spec: ModelReleaseSpec, chosen: dict[str, Any], before: str | None,
                 versions: list[dict[str, Any]], olds: Mapping[str, Any], claim: Claim) -> None:
        model = QualifiedName.parse(chosen["model"]).full("model")
        for role in spec.usage_roles:  # the new version is usable before the endpoint points at it
            grantee = Grantee.role(Identifier.parse(role))
            session.execute(GrantPrivilege(Privilege.USAGE, GrantTarget.model(model), grantee))
        owner = claim.owner or Owner.from_input(olds.get(OWNER_KEY))  # the endpoint carries the record too
        session.execute(CreateEndpoint(spec.endpoint, model, chosen["version"], owner.as_input() if owner else None))
        self.log(f"{spec.name}: endpoint {spec.endpoint.sql()} now serves {chosen['version']} "
                 f"(was {before or 'nothing'})")
        self._grants(session, spec, chosen, olds)
        old = next((v for v in versions if v["version"] == before), None)
        if old is not None and old["version"] != chosen["version"]:
            for role in olds.get("granted_roles") or []:
                self._revoke_model(session, old["model"], role)

    def _grants(self, session: Session, spec: ModelReleaseSpec, chosen: dict[str, Any],
                olds: Mapping[str, Any]) -> None:
        model = QualifiedName.parse(chosen["model"]).full("model")
        had = set(olds.get("granted_roles") or []) if olds.get("serving_version") == chosen["version"] else set()
        for role in spec.usage_roles:
            ident = Identifier.parse(role)
            if role not in had:
                session.execute(GrantPrivilege(Privilege.USAGE, GrantTarget.model(model), Grantee.role(ident)))
            session.execute(GrantEndpointUsage(spec.endpoint, ident))
        for role in sorted(set(olds.get("granted_roles") or []) - set(spec.usage_roles)):
            session.execute(GrantEndpointUsage(spec.endpoint, Identifier.parse(role), revoke=True))
            self._revoke_model(session, chosen["model"], role)

    @staticmethod
    def _revoke_model(session: Session, model: str, role: str) -> None:
        with contextlib.suppress(CortexProviderError):  # the model or role is gone: nothing to revoke
            session.execute(RevokePrivilege(Privilege.USAGE, GrantTarget.model(QualifiedName.parse(model).full()),
                                            Grantee.role(Identifier.parse(role))))

    def _retain(self, session: Session, spec: ModelReleaseSpec, versions: list[dict[str, Any]],
                protected: set[str]) -> list[dict[str, Any]]:
        dropped, adopted = beyond_keep(versions, spec.keep, protected)  # the plan's `drops` too (found.py)
        for v in adopted:
            self.log(f"{spec.name}: kept {v['version']} ({v['model']}) beyond keep = {spec.keep}: this "
                     "stack adopted it and never drops what it did not create")
        for v in dropped:
            session.execute(DropModel(QualifiedName.parse(v["model"]).full()))
            self.models.cache.invalidate(session, spec.endpoint.schema_name)
            self.log(f"{spec.name}: dropped {v['version']} ({v['model']}): beyond keep = {spec.keep}")
        gone = {v["version"] for v in dropped}
        return [v for v in sorted(versions, key=_num) if v["version"] not in gone]

    # -- read / delete ------------------------------------------------------------------------
    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        try:
            endpoint = QualifiedName.parse(str(props.get("endpoint") or props.get("name") or id_)).full("endpoint")
        except InvalidInput:
            return None
        live = [f for f in parse_user_functions(session.execute(ShowUserFunctions(endpoint.schema_name, endpoint.name)))
                if f.name == endpoint.name.name]
        out = dict(props)
        out["endpoint_live"] = bool(live)
        if live and live[0].release is not None:
            out["serving_version"] = live[0].release["serving"]  # repointed by hand: the next up puts it back
        return Applied(id_, out)

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        endpoint = QualifiedName.parse(str(props.get("endpoint") or props.get("name") or id_)).full("endpoint")
        tear_down(session, endpoint, props, self.log)
