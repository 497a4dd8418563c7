"""What the program registered (resources by section), shared by the modules that build them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi

from cortex_provider.pulumi.finetuned_model import FineTunedModel
from cortex_provider.pulumi.replication import ModelReplication
from cortex_provider.pulumi.share import ModelShare
from cortex_provider.pulumi.training_view import TrainingView


def slug(name: str) -> str:
    """A stable Pulumi resource name from a Snowflake name (`DB.S."My Model"` -> `db-s-my-model`)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


@dataclass
class Registered:
    """What the program registered, for distribution resources and stack outputs."""

    grants: list[pulumi.Resource] = field(default_factory=list)
    views: dict[str, TrainingView] = field(default_factory=dict)
    models: dict[str, FineTunedModel] = field(default_factory=dict)
    others: list[pulumi.Resource] = field(default_factory=list)
    shares: dict[str, ModelShare] = field(default_factory=dict)
    replications: dict[str, ModelReplication] = field(default_factory=dict)
    consumed: dict[str, pulumi.Output[Any]] = field(default_factory=dict)
    distillations: dict[str, Any] = field(default_factory=dict)  # name -> DistillationDataset (distill.py)
    evaluations: dict[str, list[pulumi.Resource]] = field(default_factory=dict)  # model -> its gates
    mounts: dict[str, Any] = field(default_factory=dict)  # database -> SharedModels (mounts.py)
    releases: dict[str, Any] = field(default_factory=dict)  # name -> ModelRelease (releases.py)
