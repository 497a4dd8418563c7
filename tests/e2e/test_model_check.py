"""The model-based test on the real Pulumi engine, short and with a fixed seed (the full run is
bench/model_check.py). Two sequences whose step kinds are fixed so that every kind runs once or more
(edits are drawn from the seed): up, preview then up, refresh, destroy, a second stack over A's names,
export then adopt, a SIGKILL mid-up, the emulator stopped and started, a view that cannot work. After
every step the invariants of tests/model_check/checks.py run, and none may be violated.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.model_check import model_check
from tests.model_check.checks import Violation
from tests.model_check.runner import Run

SEED = 20
KINDS = [
    ["preview_up", "second_stack", "edit_up@A", "destroy@B", "kill@A", "refresh@A", "preview_up@A", "edit_up@A"],
    ["export_adopt", "edit_up@X1", "destroy@X1", "restart", "preview_up@A", "destroy@A", "edit_up@A", "kill@A",
     "bad_view@A"],
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    lines: list[str] = []
    with model_check(tmp_path_factory.mktemp("model-check"), lines.append) as r:
        for index, kinds in enumerate(KINDS):
            r.sequence(SEED, index, len(kinds) + 1, kinds)
        yield r


def _report(found: list[Violation]) -> str:
    return "\n".join(str(v) for v in found) or "none"


def test_every_step_ran_and_was_checked(run: Run) -> None:
    assert run.sequences == len(KINDS) and run.steps == sum(len(k) + 1 for k in KINDS)
    # the checks had something to check: jobs billed against a plan, previews against ups, kills, re-ups
    for what in ("bills checked", "plans compared with the up after them", "kills fired", "second ups checked"):
        assert run.counts.get(what, 0) >= 1, (what, run.counts)


def test_no_invariant_was_violated(run: Run) -> None:
    assert run.violations == [], _report(run.violations)
