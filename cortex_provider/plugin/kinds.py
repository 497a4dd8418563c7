"""Every resource kind the plugin serves: its type token, the dynamic provider that already adapts its
reconcile core to Pulumi's CRUD calls (unknown inputs in preview, training/release plans), and the
resource class whose annotated outputs document what it returns.

The plugin calls those providers' methods as they are, so the dynamic resources and the plugin share
one definition of check/diff/create/read/update/delete per kind: cortex_provider/resources.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import Resource

from cortex_provider.pulumi.access import AiAccessGrant, AiAccessGrantProvider, AiLockdown, AiLockdownProvider
from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.pulumi.distillation import DistillationDataset, DistillationProvider
from cortex_provider.pulumi.evaluation import EvaluationProvider, ModelEvaluation
from cortex_provider.pulumi.finetuned_model import FineTunedModel, FineTunedModelProvider
from cortex_provider.pulumi.grants import (
    CortexUserGrant,
    CortexUserGrantProvider,
    ModelCreatorGrant,
    ModelCreatorGrantProvider,
    ModelUsageGrant,
    ModelUsageGrantProvider,
)
from cortex_provider.pulumi.release import ModelRelease, ModelReleaseProvider
from cortex_provider.pulumi.replication import ModelReplication, ModelReplicationProvider
from cortex_provider.pulumi.share import ModelShare, ModelShareProvider
from cortex_provider.pulumi.shared_models import SharedModels, SharedModelsProvider
from cortex_provider.pulumi.training_view import TrainingView, TrainingViewProvider
from cortex_provider.resources.base import ResourceCore

PACKAGE = "cortex"


@dataclass(frozen=True)
class Kind:
    name: str
    provider: CoreProvider
    resource: type[Resource]
    import_id: str | None  # the id `pulumi import` takes (README); None: not importable, declare it
    computed_inputs: tuple[str, ...] = ()  # inputs check adds (plans): outputs in the schema
    adoptable: bool = False  # keeps an ownership record: takes `adopt`, learns its owner from the URN

    @property
    def token(self) -> str:
        return f"{PACKAGE}:index:{self.name}"

    @property
    def core(self) -> ResourceCore[Any]:
        return self.provider.core

    def output_annotations(self) -> dict[str, str]:
        """The resource class's `name: pulumi.Output[T]` annotations, as written (strings)."""
        out: dict[str, str] = {}
        for cls in reversed(self.resource.__mro__):
            if cls.__module__.startswith("cortex_provider"):
                out.update({k: str(v) for k, v in getattr(cls, "__annotations__", {}).items() if "Output[" in str(v)})
        return out

    def has_field(self, field: str) -> bool:
        return field in self.core.spec_fields()


KINDS: dict[str, Kind] = {
    kind.token: kind
    for kind in (
        Kind("CortexUserGrant", CortexUserGrantProvider(), CortexUserGrant, "ROLE"),
        Kind("ModelCreatorGrant", ModelCreatorGrantProvider(), ModelCreatorGrant, "ROLE|DB.SCHEMA"),
        Kind("ModelUsageGrant", ModelUsageGrantProvider(), ModelUsageGrant, "ROLE|DB.SCHEMA.MODEL"),
        Kind("AiAccessGrant", AiAccessGrantProvider(), AiAccessGrant, "ROLE"),
        Kind("AiLockdown", AiLockdownProvider(), AiLockdown, "LOCKDOWN"),
        Kind("TrainingView", TrainingViewProvider(), TrainingView, "DB.SCHEMA.VIEW", adoptable=True),
        Kind("FineTunedModel", FineTunedModelProvider(), FineTunedModel, "DB.SCHEMA.MODEL", ("training_plan",),
             adoptable=True),
        Kind("ModelShare", ModelShareProvider(), ModelShare, "SHARE", adoptable=True),
        Kind("ModelReplication", ModelReplicationProvider(), ModelReplication, "GROUP", adoptable=True),
        Kind("SharedModels", SharedModelsProvider(), SharedModels, "DATABASE", adoptable=True),
        Kind("DistillationDataset", DistillationProvider(), DistillationDataset, None, ("labelling_plan",)),
        Kind("ModelEvaluation", EvaluationProvider(), ModelEvaluation, None),
        Kind("ModelRelease", ModelReleaseProvider(), ModelRelease, None, ("release_plan",), adoptable=True),
    )
}


def kind_for(type_token: str) -> Kind:
    try:
        return KINDS[type_token]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise ValueError(f"unknown resource type {type_token!r}; this plugin serves: {known}") from None


def module_doc(kind: Kind) -> str:
    """The resource's description for the schema: its class docstring, else its module's."""
    doc = kind.resource.__doc__ or sys.modules[kind.resource.__module__].__doc__ or kind.name
    return doc.strip()
