"""The Pulumi project's name is one fact read in one place (cortex_provider/project.py): the deployer, which
must not load the Automation API, and the engine, which opens stacks with it, name the same project, so
the ownership records the deployer hands over are the ones the engine's stacks write."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cortex_provider.errors import SettingsError
from cortex_provider.project import project_name

ROOT = Path(__file__).resolve().parents[2]


def test_the_deployer_and_the_engine_read_the_name_with_one_function() -> None:
    from cortex_provider.deployer import __main__ as deployer
    from cortex_provider.engine import verbs

    assert deployer.project_name is project_name
    assert verbs.project_name is project_name
    assert not hasattr(deployer, "_project")


def test_the_name_is_the_pulumi_yaml_name(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo-x\nruntime: python\n")
    assert project_name(tmp_path) == "demo-x"
    assert project_name(ROOT) == "cortex"  # this repository's program


def test_a_project_file_without_a_name_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("runtime: python\n")
    with pytest.raises(SettingsError, match=r"Pulumi.yaml names no project\. Fix: add `name: <project>`"):
        project_name(tmp_path)


def test_the_light_module_loads_no_automation_api() -> None:
    """The deployer imports it; it must not pull in pulumi.automation (slow, and the deployer avoids it)."""
    import subprocess

    code = ("import sys, cortex_provider.project; "
            "print(any(m.startswith('pulumi') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"

