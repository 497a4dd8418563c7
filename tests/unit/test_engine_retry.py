"""run_verb runs a verb once more only when the engine vanished before any resource step began."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.engine import verbs
from cortex_provider.engine.verbs import Step, VerbResult

STACK = "urn:pulumi:s::cortex::pulumi:pulumi:Stack::cortex-s"
VIEW = "urn:pulumi:s::cortex::pulumi:pulumi:Stack$pulumi-python:dynamic/cortex:TrainingView::view-x"
GONE = 'details = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: refused"'


def _step(urn: str) -> Step:
    return Step("create", urn.split("::")[-1], urn, {}, {})


@pytest.mark.parametrize(("ok", "urns", "text", "runs"), [
    (False, [STACK], GONE, 2),           # only the root stack stepped: nothing planned or changed
    (False, [], GONE, 2),
    (False, [STACK, VIEW], GONE, 1),     # a resource step began: never run it twice
    (False, [STACK], "error: view failed", 1),  # an ordinary failure is the user's message
    (True, [STACK], GONE, 1),
])
def test_runs_again_only_when_nothing_began(monkeypatch: pytest.MonkeyPatch, ok: bool, urns: list[str],
                                            text: str, runs: int) -> None:
    calls: list[str] = []

    def once(_stack: Any, verb: str, **_kw: Any) -> VerbResult:
        calls.append(verb)
        if len(calls) > 1:
            return VerbResult(verb, True)
        return VerbResult(verb, ok, stdout=text, steps=[_step(u) for u in urns])

    monkeypatch.setattr(verbs, "_run_verb_once", once)
    printed: list[str] = []
    result = verbs.run_verb(object(), "up", printer=printed.append)  # type: ignore[arg-type]
    assert len(calls) == runs
    assert result.ok == (ok or runs == 2)
    assert any("running it again" in line for line in printed) == (runs == 2)
