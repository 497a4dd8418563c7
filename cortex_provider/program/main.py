"""Entry point used by __main__.py: read `cortex:spec`, validate it, register the resources."""

from __future__ import annotations

import pulumi

from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.spec import parse_stack_spec


def main() -> None:
    stack = pulumi.get_stack()
    source = f"stacks/Pulumi.{stack}.yaml"
    spec = parse_stack_spec(pulumi.Config("cortex").get_object("spec"), source)
    export_outputs(build(spec))
