"""ModelReplication in a Pulumi program of its own, on the real engine: target sessions are derived in
the dynamic provider's process from the stack config (account replaced), as
`cortex_provider.pulumi.targets` says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cortex_provider.engine import VerbResult
from tests.e2e.programs import SnippetProject as Stack
from tests.resources.test_share_support import ORG, models_in, seed, sql, train

PROGRAM = """
from cortex_provider.pulumi.replication import ModelReplication
rep = ModelReplication("rep", group="PGROUP", databases=["DB"], target_accounts={targets!r},
                       refresh_token={token!r})
pulumi.export("replicas", rep.replicas)
pulumi.export("primary_group", rep.primary_group)
"""


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"


def test_up_refresh_token_drift_destroy(tmp_path: Path, emulator: Any) -> None:
    primary, t1, t2 = (emulator.new_account() for _ in range(3))
    conn = emulator.connect(account=primary)
    seed(conn)
    job1 = train(conn, "M1")
    targets = {t: emulator.connect(account=t) for t in (t1, t2)}
    stack = Stack(tmp_path / "proj", emulator, primary, "test")

    stack.set_program(PROGRAM.format(targets=[t1, f"{ORG}.{t2}"], token=job1))
    res = stack.run("up")
    assert res.ok, _ok(res)
    assert res.outputs["primary_group"] == f"{ORG}.{primary}.PGROUP"
    assert {k: v["models"] for k, v in res.outputs["replicas"].items()} == {
        t1: ["DB.S.M1"], f"{ORG}.{t2}": ["DB.S.M1"]}
    for c in targets.values():
        assert models_in(c) == ["DB.S.M1"]

    # a retrain upstream: the new token is an in-place update that refreshes every target
    job2 = train(conn, "M2")
    stack.set_program(PROGRAM.format(targets=[t1, f"{ORG}.{t2}"], token=job2))
    res = stack.run("up")
    assert res.ok and res.ops()["rep"] == "update", _ok(res)
    for c in targets.values():
        assert models_in(c) == ["DB.S.M1", "DB.S.M2"]

    # a replica dropped by hand: refresh reports it, up re-creates and refreshes it
    sql(targets[t1], "DROP REPLICATION GROUP PGROUP")
    refreshed = stack.run("refresh")
    assert refreshed.ok and refreshed.summary.get("update") == 1, _ok(refreshed)
    res = stack.run("up")
    assert res.ok and res.ops()["rep"] == "update", _ok(res)
    assert res.outputs["replicas"][t1]["replicated"] is True
    assert any(r["name"] == "PGROUP" and r["account_name"] == t1 for r in sql(targets[t1], "SHOW REPLICATION GROUPS"))

    # destroy: replicas then primary group; the primary's database and models stay
    gone = stack.run("destroy")
    assert gone.ok, _ok(gone)
    for acct, c in [(primary, conn), *targets.items()]:
        assert not [r for r in sql(c, "SHOW REPLICATION GROUPS") if r["account_name"] == acct]
    assert models_in(conn) == ["DB.S.M1", "DB.S.M2"]
