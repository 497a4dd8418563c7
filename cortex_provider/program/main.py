"""Entry point used by __main__.py: read `cortex:spec`, validate it, register the resources."""

from __future__ import annotations

import pulumi

from cortex_provider.program.access import check_deployer_role
from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.consume import ConsumeError
from cortex_provider.program.spec import StackConfigError, parse_stack_spec


def main() -> None:
    stack = pulumi.get_stack()
    source = f"stacks/Pulumi.{stack}.yaml"
    try:
        spec = parse_stack_spec(pulumi.Config("cortex").get_object("spec"), source)
        check_deployer_role(stack, pulumi.Config("cortex"))  # not as ACCOUNTADMIN in production (access.py)
        export_outputs(build(spec))
    except (StackConfigError, ConsumeError) as exc:
        # RunError: the engine prints the message (file, key, fix) without a Python traceback.
        raise pulumi.RunError(str(exc)) from None
