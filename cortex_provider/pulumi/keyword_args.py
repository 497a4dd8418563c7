"""The keyword arguments of FineTunedModel and ModelRelease, typed for a program's type checker.

The specs (resources/finetune/spec.py, resources/release/spec.py; exported as `cortex.FineTunedModelArgs`
and `cortex.ModelReleaseArgs`) stay the one definition: these TypedDicts only spell their fields as
Pulumi inputs (each value may be another resource's Output), so mypy flags a misspelt or mistyped
argument before `pulumi up`. tests/provider/test_spec_args.py keeps the two equal (names, required,
optional, scalar types), and `spec_inputs` checks the names at run time for callers without a type checker.
"""

# No `from __future__ import annotations`: TypedDict reads Required[...] only from evaluated annotations
# (Python 3.11), and the test reads the required keys from the class.
from collections.abc import Mapping, Sequence
from typing import Any, Required, TypedDict

import pulumi

from cortex_provider.resources.finetune.spec import RetrainOn, WaitMode


class TrainingKwargs(TypedDict, total=False):
    """TrainingSpec's fields but its name (FineTunedModel calls it `model_name`, ModelRelease `name`)."""

    database: pulumi.Input[str] | None
    schema_name: pulumi.Input[str] | None
    base_model: Required[pulumi.Input[str]]
    training_query: Required[pulumi.Input[str]]
    validation_query: pulumi.Input[str] | None
    training_definition: pulumi.Input[str] | None
    validation_definition: pulumi.Input[str] | None
    options: pulumi.Input[Mapping[str, Any]]
    wait: pulumi.Input[WaitMode]
    timeout_minutes: pulumi.Input[float] | None
    retain_on_delete: pulumi.Input[bool]


class FineTunedModelKwargs(TrainingKwargs, total=False):
    """FineTunedModelSpec's fields; `model_name` is its `name` (the resource's own name comes first)."""

    model_name: Required[pulumi.Input[str]]
    retrain_on: pulumi.Input[RetrainOn]
    data_fingerprint: pulumi.Input[str] | None


class ModelReleaseKwargs(TrainingKwargs, total=False):
    """ModelReleaseSpec's fields; `keep=None` keeps every version, `gate` is GateSpec's fields."""

    name: Required[pulumi.Input[str]]
    serving: pulumi.Input[str] | None
    keep: pulumi.Input[int] | None
    gate: pulumi.Input[Mapping[str, Any]] | None
    usage_roles: pulumi.Input[Sequence[pulumi.Input[str]]]
