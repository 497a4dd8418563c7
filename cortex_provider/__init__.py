"""cortex-provider: Pulumi resources for Snowflake Cortex Fine-tuning.

    import cortex_provider as cortex

    view = cortex.TrainingView("notes", database="DB", schema="S", name="NOTES_TRAIN",
                               query="SELECT note AS prompt, label AS completion FROM DB.S.NOTES")
    release = cortex.ModelRelease("support", name="DB.S.SUPPORT", base_model="llama3.1-8b",
                                  training_query=view.training_query, options={"max_epochs": 2},
                                  usage_roles=["APP"])
    pulumi.export("endpoint", release.endpoint)

Every resource class and its args type is exported here. The args types (`FineTunedModelArgs`, ...)
are the pydantic specs each provider validates its inputs with: typed, documented, usable to validate
a configuration before `pulumi up` (`cortex.FineTunedModelArgs.model_validate({...})`); their fields are
the resource's keyword arguments (FineTunedModel's `model_name` is the spec's `name`).

Importing this package is cheap: names resolve lazily on first use (PEP 562 module `__getattr__`), so
`import cortex_provider.sql` or `cortex_provider.resources` never imports Pulumi; touching a resource
class (e.g. `cortex.FineTunedModel`) imports `pulumi` then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    # resources (layer 3: Pulumi)
    "AiAccessGrant": ("cortex_provider.pulumi.access", "AiAccessGrant"),
    "AiLockdown": ("cortex_provider.pulumi.access", "AiLockdown"),
    "CortexUserGrant": ("cortex_provider.pulumi.grants", "CortexUserGrant"),
    "ModelCreatorGrant": ("cortex_provider.pulumi.grants", "ModelCreatorGrant"),
    "ModelUsageGrant": ("cortex_provider.pulumi.grants", "ModelUsageGrant"),
    "TrainingView": ("cortex_provider.pulumi.training_view", "TrainingView"),
    "FineTunedModel": ("cortex_provider.pulumi.finetuned_model", "FineTunedModel"),
    "ModelRelease": ("cortex_provider.pulumi.release", "ModelRelease"),
    "ModelEvaluation": ("cortex_provider.pulumi.evaluation", "ModelEvaluation"),
    "DistillationDataset": ("cortex_provider.pulumi.distillation", "DistillationDataset"),
    "ModelShare": ("cortex_provider.pulumi.share", "ModelShare"),
    "ModelReplication": ("cortex_provider.pulumi.replication", "ModelReplication"),
    # args types (layer 2: pydantic specs, no Pulumi)
    "AiAccessGrantArgs": ("cortex_provider.resources.access.grants", "AiAccessGrantSpec"),
    "AiLockdownArgs": ("cortex_provider.resources.access.lockdown", "AiLockdownSpec"),
    "CortexUserGrantArgs": ("cortex_provider.resources.grants", "CortexUserGrantSpec"),
    "ModelCreatorGrantArgs": ("cortex_provider.resources.grants_creator", "ModelCreatorGrantSpec"),
    "ModelUsageGrantArgs": ("cortex_provider.resources.grants", "ModelUsageGrantSpec"),
    "TrainingViewArgs": ("cortex_provider.resources.training_view", "TrainingViewSpec"),
    "FineTunedModelArgs": ("cortex_provider.resources.finetune.spec", "FineTunedModelSpec"),
    "FinetuneOptions": ("cortex_provider.resources.finetune.spec", "FinetuneOptions"),
    "ModelReleaseArgs": ("cortex_provider.resources.release.spec", "ModelReleaseSpec"),
    "ReleaseGateArgs": ("cortex_provider.resources.release.spec", "GateSpec"),
    "ModelEvaluationArgs": ("cortex_provider.resources.evaluation", "EvaluationSpec"),
    "DistillationDatasetArgs": ("cortex_provider.resources.distillation", "DistillationSpec"),
    "ModelShareArgs": ("cortex_provider.resources.share", "ShareSpec"),
    "ModelReplicationArgs": ("cortex_provider.resources.replication", "ReplicationSpec"),
    # errors a program may catch
    "CortexProviderError": ("cortex_provider.errors", "CortexProviderError"),
    "ReleaseGateFailed": ("cortex_provider.resources.release.core", "ReleaseGateFailed"),
}

__all__ = [
    "AiAccessGrant",
    "AiAccessGrantArgs",
    "AiLockdown",
    "AiLockdownArgs",
    "CortexProviderError",
    "CortexUserGrant",
    "CortexUserGrantArgs",
    "DistillationDataset",
    "DistillationDatasetArgs",
    "FineTunedModel",
    "FineTunedModelArgs",
    "FinetuneOptions",
    "ModelCreatorGrant",
    "ModelCreatorGrantArgs",
    "ModelEvaluation",
    "ModelEvaluationArgs",
    "ModelRelease",
    "ModelReleaseArgs",
    "ModelReplication",
    "ModelReplicationArgs",
    "ModelShare",
    "ModelShareArgs",
    "ModelUsageGrant",
    "ModelUsageGrantArgs",
    "ReleaseGateArgs",
    "ReleaseGateFailed",
    "TrainingView",
    "TrainingViewArgs",
]

if TYPE_CHECKING:  # static types for `cortex.X` without importing anything at runtime
    from cortex_provider.errors import CortexProviderError
    from cortex_provider.pulumi.access import AiAccessGrant, AiLockdown
    from cortex_provider.pulumi.distillation import DistillationDataset
    from cortex_provider.pulumi.evaluation import ModelEvaluation
    from cortex_provider.pulumi.finetuned_model import FineTunedModel
    from cortex_provider.pulumi.grants import CortexUserGrant, ModelCreatorGrant, ModelUsageGrant
    from cortex_provider.pulumi.release import ModelRelease
    from cortex_provider.pulumi.replication import ModelReplication
    from cortex_provider.pulumi.share import ModelShare
    from cortex_provider.pulumi.training_view import TrainingView
    from cortex_provider.resources.access.grants import AiAccessGrantSpec as AiAccessGrantArgs
    from cortex_provider.resources.access.lockdown import AiLockdownSpec as AiLockdownArgs
    from cortex_provider.resources.distillation import DistillationSpec as DistillationDatasetArgs
    from cortex_provider.resources.evaluation import EvaluationSpec as ModelEvaluationArgs
    from cortex_provider.resources.finetune.spec import FineTunedModelSpec as FineTunedModelArgs
    from cortex_provider.resources.finetune.spec import FinetuneOptions
    from cortex_provider.resources.grants import CortexUserGrantSpec as CortexUserGrantArgs
    from cortex_provider.resources.grants import ModelUsageGrantSpec as ModelUsageGrantArgs
    from cortex_provider.resources.grants_creator import ModelCreatorGrantSpec as ModelCreatorGrantArgs
    from cortex_provider.resources.release.core import ReleaseGateFailed
    from cortex_provider.resources.release.spec import GateSpec as ReleaseGateArgs
    from cortex_provider.resources.release.spec import ModelReleaseSpec as ModelReleaseArgs
    from cortex_provider.resources.replication import ReplicationSpec as ModelReplicationArgs
    from cortex_provider.resources.share import ShareSpec as ModelShareArgs
    from cortex_provider.resources.training_view_spec import TrainingViewSpec as TrainingViewArgs


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'cortex_provider' has no attribute {name!r}")
    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
