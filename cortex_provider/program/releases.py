"""A stack's `releases` section: models trained into versions behind a stable SQL endpoint (ModelRelease).

    releases:
      - name: SUPPORT                   # the endpoint DB.SCHEMA.SUPPORT(prompt); versions SUPPORT_V1, _V2, ...
        base_model: llama3.1-8b
        training_view: SUPPORT_TRAIN    # or training_query (validation_view / validation_query likewise)
        options: {max_epochs: 1}
        gate: {eval_view: SUPPORT_VALIDATION, metric: exact_match, threshold: 0.5}   # optional
        serving: V1                     # optional: pin a version (rollback, no training)
        keep: 3                         # keep the last N versions (the serving one always)
        usage_roles: [ANALYST]          # USAGE on the endpoint and on the serving version

The database and schema are the stack's. Registered after the access grants and the training views.
Output `release:<NAME>` = {endpoint, serving_version, serving_model, latest, versions}.
A share's `releases: [NAME]` (spec.ShareSpec) puts the endpoint, a secure function, in the share.
The section's entries are release_spec.py's (the spec reads them; this module builds them).
"""

from __future__ import annotations

from typing import Any

import pulumi

from cortex_provider.errors import InvalidInput
from cortex_provider.program.registered import Registered, slug
from cortex_provider.program.spec import StackSpec
from cortex_provider.pulumi.release import ModelRelease
from cortex_provider.resources.training_view_spec import training_query_for


def _view_query(spec: StackSpec, out: Registered, view: str) -> Any:
    """The view's `training_query`, known at plan time (as build.py does for models)."""
    try:
        return training_query_for(spec.database, spec.schema_, view)
    except InvalidInput:  # a malformed name: the view's own check reports it
        return out.views[view].training_query


def _definition(spec: StackSpec, view: str | None) -> str | None:
    """The view's declared body: a change to it trains the next version."""
    found = next((v for v in spec.training_views if v.name == view), None)
    return None if found is None else found.model_dump_json(exclude={"name", "adopt"})  # adopt is no data


def build_releases(spec: StackSpec, out: Registered) -> None:
    for r in spec.releases:
        training: Any = _view_query(spec, out, r.training_view) if r.training_view else r.training_query
        validation: Any = _view_query(spec, out, r.validation_view) if r.validation_view else r.validation_query
        gate: dict[str, Any] | None = None
        if r.gate is not None:
            query = _view_query(spec, out, r.gate.eval_view) if r.gate.eval_view else r.gate.eval_query
            gate = {"eval_query": query, "metric": r.gate.metric, "threshold": r.gate.threshold,
                    "max_rows": r.gate.max_rows, "max_tokens": r.gate.max_tokens}
        out.releases[r.name] = ModelRelease(
            f"release-{slug(r.name)}", name=r.name, database=spec.database, schema_name=spec.schema_,
            base_model=r.base_model, training_query=training, validation_query=validation,
            training_definition=_definition(spec, r.training_view),
            validation_definition=_definition(spec, r.validation_view),
            options=dict(r.options), serving=r.serving, keep=r.keep, gate=gate, usage_roles=list(r.usage_roles),
            timeout_minutes=r.timeout_minutes, retain_on_delete=r.retain_on_delete, adopt=r.adopt,
            opts=pulumi.ResourceOptions(depends_on=[*out.grants, *out.views.values()]),
        )


def export_releases(out: Registered) -> None:
    for name, rel in out.releases.items():
        pulumi.export(f"release:{name}", pulumi.Output.all(
            rel.endpoint, rel.serving_version, rel.serving_model, rel.latest, rel.versions,
        ).apply(lambda v: {"endpoint": v[0], "serving_version": v[1], "serving_model": v[2], "latest": v[3],
                           "versions": v[4]}))
