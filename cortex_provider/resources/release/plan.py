"""The `release_plan` input: what `pulumi preview --diff` shows for a ModelRelease.

    {"train": "V3" | None, "rows": N, "estimated_trained_tokens": T,
     "serving_before": "V2" | None, "serving_after": "V3", "gated": bool}

Computed by the provider's check from the old and new inputs. Only when something that trains or
repoints changed (or on create) does it look at Snowflake: two read-only SHOWs (the versions in the
schema, the endpoint's serving version) and the pre-flight measurement of a version to train.
Otherwise the old plan is carried, so a no-op stays a no-op and sends no SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cortex_provider.resources.finetune_plan import Measure
from cortex_provider.resources.release.spec import TRAINING_FIELDS, ModelReleaseSpec
from cortex_provider.session import Session
from cortex_provider.sql.endpoint import ShowUserFunctions, parse_user_functions, version_label, version_of
from cortex_provider.sql.finetune import ShowModels
from cortex_provider.sql.parse_show import parse_models

PLAN_KEY = "release_plan"
Live = Callable[[ModelReleaseSpec], tuple[int, str | None]]


def live_state(session: Callable[[], Session]) -> Live:
    """(highest existing version number, serving version) read with two SHOWs."""

    def read(spec: ModelReleaseSpec) -> tuple[int, str | None]:
        s, endpoint = session(), spec.endpoint
        numbers = [version_of(endpoint, m.name) or 0
                   for m in parse_models(s.execute(ShowModels(schema=endpoint.schema_name)))]
        serving = None
        for f in parse_user_functions(s.execute(ShowUserFunctions(endpoint.schema_name, endpoint.name))):
            if f.name == endpoint.name.name and f.release is not None:
                serving = str(f.release["serving"])
        return max(numbers, default=0), serving

    return read


def release_plan(olds: Mapping[str, Any], spec: ModelReleaseSpec, live: Live, measure: Measure
                 ) -> dict[str, Any] | None:
    new = spec.model_dump(mode="json")
    existing = "base_model" in olds
    retrains = not existing or any(olds.get(k) != new.get(k) for k in TRAINING_FIELDS)
    if existing and not retrains and olds.get("serving") == spec.serving and olds.get("gate") == new.get("gate"):
        old = olds.get(PLAN_KEY)
        return dict(old) if isinstance(old, Mapping) else None
    try:
        latest, before = live(spec)
    except Exception:  # the schema does not exist yet (created in this same up)
        latest, before = 0, None
    train = version_label(latest + 1) if retrains else None
    after = spec.serving or train or (version_label(latest) if latest else None)
    plan: dict[str, Any] = {"train": train, "rows": None, "estimated_trained_tokens": None,
                            "serving_before": before, "serving_after": after,
                            "gated": bool(spec.gate) and spec.serving is None and after != before}
    if train is not None:
        try:
            got = measure(spec.training_query, spec.base_model, spec.options.max_epochs,
                          spec.validation_query is None)  # no validation query: Cortex splits one off
            plan["rows"], plan["estimated_trained_tokens"] = got.rows, got.trained_tokens
        except Exception as exc:  # never fail a plan over its estimate: the up measures again
            plan["note"] = f"rows: unknown until the data exists ({str(exc).splitlines()[0][:160]})"
    return plan
