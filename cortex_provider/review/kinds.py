"""Which cortex resource a planned or recorded resource is.

A resource's type names its kind (`pulumi-python:dynamic/cortex:FineTunedModel`,
cortex_provider/pulumi/resource_type.py). State written before the kinds were named has every kind under
`pulumi-python:dynamic:Resource` (until the next `up` records the new type), and its `__provider` input
is an opaque pickled blob, so for that type policies and the PR comment tell the kinds apart by the
property names the provider's check returns (each kind's spec fields; see cortex_provider/resources/*):

| kind              | marker properties                                     |
|-------------------|-------------------------------------------------------|
| FineTunedModel    | `training_query` + `base_model` + `retrain_on`         |
| ModelRelease      | `training_query` + `base_model` + `keep`               |
| TrainingView      | `prompt_expr` or `completion_expr` (with `name`)       |
| ModelShare        | `consumer_accounts`                                   |
| ModelReplication  | `target_accounts` + `databases`                        |
| ModelUsageGrant   | `role` + `model`                                      |
| ModelCreatorGrant | `role` + `database` + `schema` (no `model`)            |
| AiAccessGrant     | `role` + `functions`                                  |
| AiLockdown        | `ai_functions`                                        |
| CortexUserGrant   | `role` alone (besides the output names it declares)   |
| DistillationDataset | `teacher_model` + `prompts_query`                   |

Only the presence of a key is read, never its value, so unknown values (preview) do not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from cortex_provider.pulumi.resource_type import LEGACY_TYPE, kind_in

Kind = Literal["FineTunedModel", "ModelRelease", "TrainingView", "ModelShare", "ModelReplication", "ModelUsageGrant",
               "ModelCreatorGrant", "CortexUserGrant", "DistillationDataset", "AiAccessGrant", "AiLockdown"]
GRANT_KINDS: tuple[Kind, ...] = ("CortexUserGrant", "ModelCreatorGrant", "ModelUsageGrant")

# Pulumi's "value not known yet" sentinels: the SDK's rpc.UNKNOWN and pulumi_policy's typed ones
# (pulumi_policy/proxy.py).
UNKNOWN_SENTINELS = frozenset({
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also pulumi.runtime.rpc.UNKNOWN)
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
})


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def kind_of(resource_type: str, props: Mapping[str, Any]) -> Kind | None:
    """The cortex kind of a resource, or None for anything else (another provider, a component)."""
    named = kind_in(resource_type)
    if named is not None:
        return next((k for k in get_args(Kind) if k == named), None)
    if resource_type != LEGACY_TYPE:
        return None
    keys = set(props)
    if {"training_query", "base_model", "retrain_on"} <= keys:
        return "FineTunedModel"
    if {"training_query", "base_model", "keep"} <= keys:
        return "ModelRelease"
    if "name" in keys and keys & {"prompt_expr", "completion_expr"}:
        return "TrainingView"
    if "consumer_accounts" in keys:
        return "ModelShare"
    if {"teacher_model", "prompts_query"} <= keys:
        return "DistillationDataset"
    if {"target_accounts", "databases"} <= keys:
        return "ModelReplication"
    if "ai_functions" in keys:
        return "AiLockdown"
    if {"role", "functions"} <= keys:
        return "AiAccessGrant"
    if "role" in keys:
        if "model" in keys:
            return "ModelUsageGrant"
        if {"database", "schema"} <= keys:
            return "ModelCreatorGrant"
        return "CortexUserGrant"
    return None
