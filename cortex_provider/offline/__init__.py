"""Offline runner: runs the Pulumi program without the Pulumi CLI, for verification only.

Built only on the Pulumi Python SDK's own seams: the program runs under
``pulumi.runtime.set_mocks`` with a monitor that answers each registration with a real step,
and the steps are carried out by the SDK's dynamic provider server (``python -m pulumi.dynamic``)
over gRPC. Where its behaviour and Pulumi's differ, Pulumi's is the reference; users with the
CLI run ``pulumi up``.
"""

from cortex_provider.offline.api import RunResult, UpResult, run_destroy, run_preview, run_refresh, run_up
from cortex_provider.offline.display import BANNER, Step
from cortex_provider.offline.provider import Call

__all__ = [
    "BANNER",
    "Call",
    "RunResult",
    "Step",
    "UpResult",
    "run_destroy",
    "run_preview",
    "run_refresh",
    "run_up",
]
