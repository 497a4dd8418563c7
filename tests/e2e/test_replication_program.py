"""ModelReplication through Pulumi's dynamic provider server (gRPC): target sessions are derived in the
provider process from the stack config (account replaced), as `cortex_provider.pulumi.targets` says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.provider.test_share_provider import Stack
from tests.resources.test_share_support import ORG, models_in, seed, sql, train

PROGRAM = """
from cortex_provider.pulumi.replication import ModelReplication
rep = ModelReplication("rep", group="PGROUP", databases=["DB"], target_accounts={targets!r},
                       refresh_token={token!r})
pulumi.export("replicas", rep.replicas)
pulumi.export("primary_group", rep.primary_group)
"""


def test_up_refresh_token_drift_destroy(tmp_path: Path, emulator: Any) -> None:
    primary, t1, t2 = (emulator.new_account() for _ in range(3))
    conn = emulator.connect(account=primary)
    seed(conn)
    job1 = train(conn, "M1")
    targets = {t: emulator.connect(account=t) for t in (t1, t2)}
    stack = Stack(tmp_path, emulator, primary)

    stack.program(PROGRAM.format(targets=[t1, f"{ORG}.{t2}"], token=job1))
    res = stack.up()
    assert res.ok, res.errors
    assert res.outputs["primary_group"] == f"{ORG}.{primary}.PGROUP"
    assert {k: v["models"] for k, v in res.outputs["replicas"].items()} == {
        t1: ["DB.S.M1"], f"{ORG}.{t2}": ["DB.S.M1"]}
    for c in targets.values():
        assert models_in(c) == ["DB.S.M1"]

    # a retrain upstream: the new token is an in-place update that refreshes every target
    job2 = train(conn, "M2")
    stack.program(PROGRAM.format(targets=[t1, f"{ORG}.{t2}"], token=job2))
    res = stack.up()
    assert res.ok and res.ops()["rep"] == "update", res.errors
    for c in targets.values():
        assert models_in(c) == ["DB.S.M1", "DB.S.M2"]

    # a replica dropped by hand: refresh reports it, up re-creates and refreshes it
    sql(targets[t1], "DROP REPLICATION GROUP PGROUP")
    assert stack.refresh().ops()["rep"] == "update"
    res = stack.up()
    assert res.ok and res.ops()["rep"] == "update", res.errors
    assert res.outputs["replicas"][t1]["replicated"] is True
    assert any(r["name"] == "PGROUP" and r["account_name"] == t1 for r in sql(targets[t1], "SHOW REPLICATION GROUPS"))

    # destroy: replicas then primary group; the primary's database and models stay
    gone = stack.destroy()
    assert gone.ok, gone.errors
    for acct, c in [(primary, conn), *targets.items()]:
        assert not [r for r in sql(c, "SHOW REPLICATION GROUPS") if r["account_name"] == acct]
    assert models_in(conn) == ["DB.S.M1", "DB.S.M2"]
