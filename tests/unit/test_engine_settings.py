"""The engine settings each verb runs with: a refresh skips the engine's per-resource checkpoints (it only
reads, so a refresh stopped midway leaves the earlier state whole); up keeps them; an explicit setting of
the caller's wins. Checked on what the CLI would be started with (the workspace's environment)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cortex_provider.engine import verbs


class FakeStack:
    """Records the environment each CLI call would get (LocalWorkspace passes workspace.env_vars)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.workspace = SimpleNamespace(env_vars=dict(env))
        self.seen: dict[str, dict[str, str]] = {}

    def _result(self, verb: str) -> Any:
        self.seen[verb] = dict(self.workspace.env_vars)
        return SimpleNamespace(summary=SimpleNamespace(resource_changes={}), outputs={}, change_summary={})

    def refresh(self, **_kw: Any) -> Any:
        return self._result("refresh")

    def up(self, **_kw: Any) -> Any:
        return self._result("up")

    def outputs(self) -> dict[str, Any]:
        return {}


@pytest.fixture(autouse=True)
def no_ambient_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_SKIP_CHECKPOINTS", raising=False)


def test_refresh_skips_checkpoints_and_up_keeps_them() -> None:
    stack = FakeStack({"PULUMI_BACKEND_URL": "file:///x"})
    assert verbs.run_verb(stack, "refresh", printer=lambda _l: None).ok  # type: ignore[arg-type]
    assert verbs.run_verb(stack, "up", printer=lambda _l: None).ok  # type: ignore[arg-type]
    assert stack.seen["refresh"]["PULUMI_SKIP_CHECKPOINTS"] == "true"
    assert "PULUMI_SKIP_CHECKPOINTS" not in stack.seen["up"]
    assert stack.workspace.env_vars == {"PULUMI_BACKEND_URL": "file:///x"}  # restored after the refresh


def test_the_callers_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = FakeStack({"PULUMI_SKIP_CHECKPOINTS": "false"})
    verbs.run_verb(stack, "refresh", printer=lambda _l: None)  # type: ignore[arg-type]
    assert stack.seen["refresh"]["PULUMI_SKIP_CHECKPOINTS"] == "false"
    monkeypatch.setenv("PULUMI_SKIP_CHECKPOINTS", "false")
    other = FakeStack({})
    verbs.run_verb(other, "refresh", printer=lambda _l: None)  # type: ignore[arg-type]
    assert "PULUMI_SKIP_CHECKPOINTS" not in other.seen["refresh"]  # the CLI inherits the process's "false"
