"""A release endpoint carries its stack's ownership record, on the real engine (stub emulator): a second
stack over the same release, even declaring `adopt: true`, is refused in its preview and its `up`
(naming the owner, nothing trained, the endpoint untouched) when no version is left to carry a record
(all dropped by hand). The endpoint used to carry no record: the second stack trained V1 and replaced
the first stack's endpoint, and its destroy would have dropped it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.programs import ProgramProject
from tests.e2e.test_releases import PROGRAM, Suite, release_suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with release_suite(tmp_path_factory.mktemp("release-endpoint-owner")) as s:
        yield s


def test_a_second_stack_is_refused_by_the_endpoints_record(suite: Suite) -> None:
    suite.release()
    suite.run("up")  # stack t serves V1
    suite.proj.conn.cursor().execute("DROP MODEL DB.S.SUP_V1")  # no version carries t's record now
    rival = ProgramProject(suite.proj.dir.parent / "rival", suite.emu, suite.proj.account, "rival", PROGRAM)
    spec = json.loads((suite.proj.dir / "release.json").read_text())
    (rival.dir / "release.json").write_text(json.dumps({**spec, "adopt": True}))
    before = len(suite.proj.statements())
    for verb in ("preview", "up"):
        refused = rival.run(verb)
        text = refused.stdout + refused.stderr
        assert not refused.ok and "(endpoint) is managed by stack 't'" in text, text[-3000:]
    reads = ("SHOW", "SELECT", "DESC", "USE", "ALTER SESSION")
    writes = [s for s in suite.proj.statements()[before:] if not s.lstrip().upper().startswith(reads)]
    assert not writes, writes
    assert len(suite.proj.statements("FINETUNE('CREATE'")) == 1  # t's V1 only: the rival trained nothing
