"""Preview's read-only probe of a changed TrainingView query.

The plan of a view update used to be built from the old view, so a new query naming a missing table or
lacking a prompt/completion text column passed `preview` and failed only at `up`. The provider's check
runs the probe `up` runs before its DDL (`SELECT * FROM (<query>) LIMIT 0`: columns only, no rows, no
DDL) for a new view and when the query changed, so `preview` fails with the same message. A view whose
source this same `up` creates (a distillation's label table) passes `source_ready`, the upstream's
output: unknown until it exists, and the probe waits for it (pulumi/training_view.py). In an `up`, the
check's passing probe serves the create or update that follows (`probe_for_check`): one per view.

A new view's name is probed too (`would_take`, one SHOW VIEWS): a view that exists and another stack's
record names, or that no record names and the user did not declare `adopt: true`, is refused in
`preview` with the message `up` gives (the same `take_existing` rule create_as applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cortex_provider.errors import CortexProviderError, InvalidInput
from cortex_provider.resources.base import Failure, SpecError
from cortex_provider.resources.ownership import Claim, take_existing
from cortex_provider.resources.training_view import TrainingViewCore, TrainingViewError
from cortex_provider.resources.training_view_spec import TrainingViewSpec
from cortex_provider.session import Session


def probe_change(core: TrainingViewCore, session: Session, olds: Mapping[str, Any], spec: TrainingViewSpec
                 ) -> Failure | None:
    """The failure `up` would hit with a new view or a changed query, or None. Nothing is sent for an
    unchanged view."""
    query = spec.effective_query()
    old: str | None = None
    if olds:
        try:
            old = core.parse(olds).effective_query().text
        except (SpecError, InvalidInput):
            old = None
    if old == query.text:
        return None
    try:
        core.probe_for_check(session, query, spec.fqn)
    except TrainingViewError as exc:
        return Failure(_field(spec), str(exc))
    except CortexProviderError as exc:
        return Failure(_field(spec), f"TrainingView {spec.fqn.sql()}: the changed query cannot be read: {exc}")
    return None


def _field(spec: TrainingViewSpec) -> str:
    return "query" if spec.query is not None else "source"


def would_take(core: TrainingViewCore, session: Session, spec: TrainingViewSpec, claim: Claim) -> str | None:
    """What create_as will do with an existing view of this name, found read-only: CREATED/ADOPTED
    when it takes the view, None when there is none; raises OwnershipError where create refuses."""
    live = core.live_view(session, spec.fqn)
    return None if live is None else take_existing(core.kind, spec.fqn.sql(), live.comment, claim)
