"""ModelReplication core against the multi-account emulator: one primary, two target accounts."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.resources.replication import ReplicationCore, ReplicationSpec
from tests.resources.test_share_support import ORG, connector, models_in, seed, session_for, sql, train


def make_spec(core: ReplicationCore, **kw: Any) -> ReplicationSpec:
    return core.parse({"group": "g", "databases": ["db"], **kw})


def groups(conn: Any, account: str) -> dict[str, dict[str, Any]]:
    """This account's own groups (SHOW also lists linked groups of other accounts)."""
    return {r["name"]: r for r in sql(conn, "SHOW REPLICATION GROUPS") if r["account_name"] == account}


@pytest.fixture
def world(emulator: Any) -> dict[str, Any]:
    primary, t1, t2 = (emulator.new_account() for _ in range(3))
    conn = emulator.connect(account=primary)
    seed(conn)
    job = train(conn, "M1")
    conns = {t: emulator.connect(account=t) for t in (t1, t2)}  # provisions the targets
    seen: list[tuple[str, str | None]] = []
    return {"primary": primary, "t1": t1, "t2": t2, "conn": conn, "conns": conns, "job": job, "seen": seen,
            "core": ReplicationCore(connector(emulator, seen)), "session": session_for(emulator, primary)}


def test_check_normalises_and_validates() -> None:
    core = ReplicationCore(lambda a, c: pytest.fail("no SQL in check"))
    checked = core.check({}, {"group": "g", "databases": ["b", "a", "A"], "target_accounts": ["localorg.x", "y"],
                              "schedule": "10 MINUTE", "refresh_token": 7, "target_connections": {"LOCALORG.Y": "c"}})
    assert checked.failures == []
    assert checked.inputs == {"group": "G", "databases": ["A", "B"], "target_accounts": ["LOCALORG.X", "Y"],
                              "schedule": "10 MINUTE", "refresh_token": "7", "target_connections": {"Y": "c"}}
    bad = core.check({}, {"group": "g", "databases": [], "target_accounts": ["x"], "schedule": "hourly",
                          "target_connections": {"Z": "c"}})
    assert {f.property for f in bad.failures} >= {"databases", "schedule"}
    bad = core.check({}, {"group": "g", "databases": ["d"], "target_accounts": ["x"], "target_connections": {"Z": "c"}})
    assert any("target_connections" in f.reason for f in bad.failures)
    olds = checked.inputs
    d = core.diff("G", olds, {**olds, "refresh_token": "8", "target_accounts": ["Y", "Z"]})
    assert set(d.changed) == {"refresh_token", "target_accounts"} and d.replaces == []
    assert core.diff("G", olds, {**olds, "group": "h"}).replaces == ["group"]


def test_create_replicates_models_to_both_targets(world: dict[str, Any]) -> None:
    core, session, t1, t2 = world["core"], world["session"], world["t1"], world["t2"]
    spec = make_spec(core, target_accounts=[f"{ORG}.{t1}", t2], refresh_token=world["job"])
    applied = core.create(session, spec)
    out = applied.outputs
    assert applied.id == "G"
    assert out["primary_group"] == f"{ORG}.{world['primary']}.G"
    assert out["target_accounts"] == sorted([f"{ORG}.{t1}", t2])
    for key, acct in ((f"{ORG}.{t1}", t1), (t2, t2)):
        rep = out["replicas"][key]
        assert rep["replicated"] is True and rep["account"] == f"{ORG}.{acct}"
        assert rep["models"] == ["DB.S.M1"] and rep["last_refreshed_at"]
        assert models_in(world["conns"][acct]) == ["DB.S.M1"]
        assert groups(world["conns"][acct], acct)["G"]["is_primary"] == "false"
    primary_row = groups(world["conn"], world["primary"])["G"]
    assert sorted(primary_row["allowed_accounts"].split(",")) == sorted([f"{ORG}.{t1}", f"{ORG}.{t2}"])
    # read reproduces the outputs: no drift, no diff
    live = core.read(session, applied.id, out)
    assert live is not None and live.outputs == out
    assert not core.diff(applied.id, live.outputs, spec.model_dump(mode="json")).has_changes


def test_new_model_reaches_targets_when_refresh_token_changes(world: dict[str, Any]) -> None:
    core, session, t1, t2 = world["core"], world["session"], world["t1"], world["t2"]
    spec = make_spec(core, target_accounts=[t1, t2], refresh_token=world["job"])
    out = core.create(session, spec).outputs
    job2 = train(world["conn"], "M2")
    assert models_in(world["conns"][t1]) == ["DB.S.M1"]  # not yet: replicas change only on refresh
    new = make_spec(core, target_accounts=[t1, t2], refresh_token=job2)
    d = core.diff("G", out, new.model_dump(mode="json"))
    assert d.changed == ["refresh_token"] and d.replaces == []
    out2 = core.update(session, "G", out, new)
    for t in (t1, t2):
        assert models_in(world["conns"][t]) == ["DB.S.M1", "DB.S.M2"]
        assert out2["replicas"][t]["models"] == ["DB.S.M1", "DB.S.M2"]
        assert out2["replicas"][t]["last_refreshed_at"] >= out["replicas"][t]["last_refreshed_at"]


def test_targets_added_and_removed_in_place(world: dict[str, Any]) -> None:
    core, session, t1, t2 = world["core"], world["session"], world["t1"], world["t2"]
    out = core.create(session, make_spec(core, target_accounts=[t1])).outputs
    created_on = groups(world["conn"], world["primary"])["G"]["created_on"]
    assert "G" not in groups(world["conns"][t2], t2)
    out = core.update(session, "G", out, make_spec(core, target_accounts=[t1, t2]))
    assert groups(world["conns"][t2], t2)["G"]["is_primary"] == "false"
    assert models_in(world["conns"][t2]) == ["DB.S.M1"]
    out = core.update(session, "G", out, make_spec(core, target_accounts=[t2]))
    assert "G" not in groups(world["conns"][t1], t1)
    row = groups(world["conn"], world["primary"])["G"]
    assert row["allowed_accounts"] == f"{ORG}.{t2}" and row["created_on"] == created_on  # not recreated
    assert sorted(out["replicas"]) == [t2]
    # re-adding a target re-creates its replica over the databases it released, and refreshes it
    out = core.update(session, "G", out, make_spec(core, target_accounts=[t1, t2]))
    assert out["replicas"][t1]["replicated"] is True and models_in(world["conns"][t1]) == ["DB.S.M1"]


def test_dropped_replica_is_drift_and_next_update_repairs_it(world: dict[str, Any]) -> None:
    core, session, t1, t2 = world["core"], world["session"], world["t1"], world["t2"]
    spec = make_spec(core, target_accounts=[t1, t2])
    out = core.create(session, spec).outputs
    sql(world["conns"][t1], "DROP REPLICATION GROUP G")
    live = core.read(session, "G", out)
    assert live is not None
    assert live.outputs["target_accounts"] == [t2]
    assert live.outputs["replicas"][t1]["replicated"] is False
    d = core.diff("G", live.outputs, spec.model_dump(mode="json"))
    assert d.changed == ["target_accounts"] and d.replaces == []
    job2 = train(world["conn"], "M2")  # the repair refreshes, so a model trained meanwhile arrives too
    out = core.update(session, "G", live.outputs, spec)
    assert out["replicas"][t1]["replicated"] is True
    assert models_in(world["conns"][t1]) == ["DB.S.M1", "DB.S.M2"] and job2


def test_primary_dropped_by_hand_reads_as_gone(world: dict[str, Any]) -> None:
    core, session, t1 = world["core"], world["session"], world["t1"]
    out = core.create(session, make_spec(core, target_accounts=[t1])).outputs
    sql(world["conns"][t1], "DROP REPLICATION GROUP G")
    sql(world["conn"], "DROP REPLICATION GROUP G")
    assert core.read(session, "G", out) is None


def test_delete_drops_replicas_then_primary_never_databases(world: dict[str, Any]) -> None:
    core, session, t1, t2 = world["core"], world["session"], world["t1"], world["t2"]
    out = core.create(session, make_spec(core, target_accounts=[t1, t2])).outputs
    core.delete(session, "G", out)
    assert "G" not in groups(world["conn"], world["primary"])
    for t in (t1, t2):
        assert "G" not in groups(world["conns"][t], t)
    assert models_in(world["conn"]) == ["DB.S.M1"]
    assert [r["name"] for r in sql(world["conn"], "SHOW DATABASES") if r["name"] == "DB"] == ["DB"]
    core.delete(session, "G", out)  # idempotent


def test_target_connections_reach_the_connector(world: dict[str, Any]) -> None:
    core, session, t1 = world["core"], world["session"], world["t1"]
    core.create(session, make_spec(core, target_accounts=[t1], target_connections={t1: "prod_eu"}))
    assert (f"{ORG}.{t1}", "prod_eu") in world["seen"]
