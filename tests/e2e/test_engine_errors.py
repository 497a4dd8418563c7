"""Issue 11: what a user sees when something is wrong, on the real engine: a stack-spec typo is shown as
its message (file, key, fix) and not inside a Python traceback; a connection failure names the URL,
account and user it tried."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import free_port
from tests.e2e.engine import EngineProject


def test_stack_spec_typo_is_its_message_not_a_traceback(tmp_path: Path) -> None:
    project = EngineProject(tmp_path / "project", free_port())  # nothing listens: the program fails first
    spec = project.spec()
    spec["models"][0]["base_modle"] = spec["models"][0].pop("base_model")
    project.set_spec(spec)
    result = project.run("preview")
    assert not result.ok
    out = result.stdout + result.stderr
    assert "stacks/Pulumi.local.yaml" in out and "cortex:spec.models[0]" in out
    assert "Traceback" not in out


def test_connection_error_names_where_it_tried(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    project = EngineProject(tmp_path / "project", port)
    result = project.run("up")
    assert not result.ok
    assert f"http://127.0.0.1:{port}" in result.stdout and "account 'LOCAL'" in result.stdout
    assert "user 'ADMIN'" in result.stdout
