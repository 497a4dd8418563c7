"""The ownership inputs every resource that creates a Snowflake object passes to its provider: which
project, stack and resource asks (from the program: a dynamic provider never learns the URN), and
whether the user declared the adoption of an existing object (resources/ownership.py)."""

from __future__ import annotations

from typing import Any

import pulumi

from cortex_provider.resources.ownership import ADOPT_KEY, ORIGIN_KEY, OWNER_KEY, Owner


def claim_props(resource_name: str, adopt: bool = False) -> dict[str, Any]:
    """`owner` and `adopt` inputs (no spec fields: they never diff), and the `origin` output's slot."""
    owner = Owner(pulumi.get_project(), pulumi.get_stack(), resource_name)
    return {OWNER_KEY: owner.as_input(), ADOPT_KEY: adopt, ORIGIN_KEY: None}


def owner_from_urn(urn: str) -> dict[str, str] | None:
    """The `owner` input from a resource URN (`urn:pulumi:<stack>::<project>::<type>::<name>`), which the
    provider plugin receives with every request; None for anything else."""
    parts = urn.split("::")
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:"):
        return None
    return Owner(parts[1], parts[0].removeprefix("urn:pulumi:"), parts[-1]).as_input()
