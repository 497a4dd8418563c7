"""The type each cortex resource registers under: `pulumi-python:dynamic/cortex:<Kind>`
(`pulumi-python:dynamic/cortex:FineTunedModel`), so the CLI's output, `pulumi stack export` and policy
violations say what a resource is.

The Python SDK names a dynamic resource's type from its class (`class X(Resource, module=..., name=...)`,
pulumi.dynamic.Resource.__init_subclass__); without a name every kind is `pulumi-python:dynamic:Resource`,
the type all of them had before they were named. Each resource keeps an alias to that type, so a stack
created then upgrades in place: the engine finds the resource under its old URN and changes nothing
(https://www.pulumi.com/docs/iac/concepts/options/aliases/).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import Resource

from cortex_provider.pulumi.output_wait import install as one_pass_output_wait

MODULE = "cortex"
LEGACY_TYPE = "pulumi-python:dynamic:Resource"
PREFIX = f"pulumi-python:dynamic/{MODULE}:"


def type_of(kind: str) -> str:
    """The type token of `kind` (a resource class's name)."""
    return PREFIX + kind


def kind_in(resource_type: str) -> str | None:
    """The kind a type token names, or None for any other type (the legacy one included)."""
    return resource_type.removeprefix(PREFIX) if resource_type.startswith(PREFIX) else None


def kind_options(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """The options every kind's constructor passes straight to pulumi.dynamic.Resource.__init__: `opts`
    plus the alias to LEGACY_TYPE. A program that declares a cortex resource also gets the one-pass
    final Output wait (output_wait.py), whichever way it was written."""
    one_pass_output_wait()
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=LEGACY_TYPE)]))


class CortexResource(Resource):
    """A dynamic resource whose type names its kind. The kind is the name of the class that derives from
    CortexResource; a program's own subclass of a kind keeps that kind's type.

    No constructor of its own: the SDK records in each resource's state the stack above the third
    `__init__` it finds (pulumi/runtime/resource.py, _get_stack_trace), so a constructor here would add
    one frame (~150 bytes of checkpoint) to every resource and record this file, not the kind's, as its
    source position. Each kind calls `super().__init__(provider, name, props, kind_options(opts))`.
    """

    kind = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if CortexResource in cls.__bases__:
            cls.kind = cls.__name__
        super().__init_subclass__(module=MODULE, name=cls.kind, **kwargs)
