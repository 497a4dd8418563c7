"""ModelRelease: versioned retrains (`NAME_V1`, `NAME_V2`, ...) behind a stable SQL function endpoint
`DB.SCHEMA.NAME(prompt)`, promoted through an evaluation gate, pinned for rollback, pruned by retention.

spec.py (validated input), plan.py (the preview's `release_plan`), core.py (the reconcile core), found.py
(what create finds and what `keep` drops, read alike by core and plan), owner.py (ownership).
"""

from cortex_provider.resources.release.core import ModelReleaseCore, ReleaseConflict, ReleaseGateFailed
from cortex_provider.resources.release.spec import GateSpec, ModelReleaseSpec

__all__ = ["GateSpec", "ModelReleaseCore", "ModelReleaseSpec", "ReleaseConflict", "ReleaseGateFailed"]
