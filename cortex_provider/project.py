"""The Pulumi project's name, read from its Pulumi.yaml: ownership records name it (resources/ownership.py).

Light on purpose (yaml only): the deployer reads it without loading the engine's Automation API, and the
engine opens stacks with it, so both name the project alike.
"""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]

from cortex_provider.errors import SettingsError


def project_name(project_dir: Path) -> str:
    """The `name` of `project_dir`/Pulumi.yaml (a project file without one is no Pulumi project)."""
    path = project_dir / "Pulumi.yaml"
    data = yaml.safe_load(path.read_text()) or {}
    name = data.get("name") if isinstance(data, dict) else None
    if not name:
        raise SettingsError(f"{path} names no project. Fix: add `name: <project>` (Pulumi requires one)")
    return str(name)
