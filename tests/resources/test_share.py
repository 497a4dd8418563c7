"""ModelShare core against the multi-account emulator, through the real driver."""

from __future__ import annotations

from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from cortex_provider.resources.base import SpecError
from cortex_provider.resources.share import ShareCore, ShareSpec
from tests.resources.test_share_support import ORG, models_in, seed, session_for, sql, train

CORE = ShareCore()


def spec(**kw: Any) -> ShareSpec:
    props = {"name": "model_share", "database": "DB", "schema": "S", "models": ["M1"], "consumer_accounts": []}
    return CORE.parse({**props, **kw})


@pytest.fixture(scope="module")
def world(emulator: Any) -> dict[str, Any]:
    """A provider account with two trained models and two would-be consumers."""
    provider, c1, c2 = (emulator.new_account() for _ in range(3))
    conn = emulator.connect(account=provider)
    seed(conn)
    train(conn, "M1")
    train(conn, "M2")
    for c in (c1, c2):
        emulator.connect(account=c).close()  # provision the consumer accounts
    return {"provider": provider, "c1": c1, "c2": c2, "conn": conn}


def shared_to(conn: Any, name: str) -> list[str]:
    rows = [r for r in sql(conn, "SHOW SHARES") if r["name"] == name and r["kind"] == "OUTBOUND"]
    assert len(rows) == 1, rows
    return sorted(a.strip() for a in (rows[0]["to"] or "").split(",") if a.strip())


# -- pure: check / diff ------------------------------------------------------------------------------
def test_check_normalises_and_names_bad_fields() -> None:
    checked = CORE.check({}, {"name": "s", "database": "db", "schema": "db.s", "models": ["db.s.m2", "m1", "M1"],
                              "consumer_accounts": ["localorg.b", "LOCALORG.A"]})
    assert checked.failures == []
    assert checked.inputs == {"name": "S", "database": "DB", "schema": "S", "models": ["M1", "M2"], "functions": [],
                              "consumer_accounts": ["LOCALORG.A", "LOCALORG.B"]}
    bad = CORE.check({}, {"name": "s", "database": "db", "schema": "s", "models": ["OTHER.X.M"],
                          "consumer_accounts": ["not an account"]})
    props = {f.property for f in bad.failures}
    assert "consumer_accounts" in props
    bad = CORE.check({}, {"name": "s", "database": "db", "schema": "s", "models": ["OTHER.X.M"]})
    assert any("models[0]" in f.reason and "one schema" in f.reason for f in bad.failures)
    with pytest.raises(SpecError, match="name"):
        CORE.parse({"name": "a b", "database": "DB", "schema": "S"})


def test_diff_replaces_only_on_name() -> None:
    olds = spec(consumer_accounts=[f"{ORG}.A"]).model_dump(mode="json")
    d = CORE.diff("MODEL_SHARE", olds, {**olds, "consumer_accounts": [f"{ORG}.B"], "models": ["M1", "M2"]})
    assert set(d.changed) == {"consumer_accounts", "models"} and d.replaces == []
    d = CORE.diff("MODEL_SHARE", olds, {**olds, "name": "other"})
    assert d.changed == ["name"] and d.replaces == ["name"]
    assert not CORE.diff("MODEL_SHARE", olds, dict(olds)).has_changes


# -- against the emulator ----------------------------------------------------------------------------
def test_create_then_consumer_imports_and_completes(emulator: Any, world: dict[str, Any]) -> None:
    session = session_for(emulator, world["provider"])
    s = spec(name="SHARE_A", consumer_accounts=[f"{ORG}.{world['c1']}"])
    applied = CORE.create(session, s)
    assert applied.id == "SHARE_A"
    out = applied.outputs
    assert out["share_ref"] == f"{ORG}.{world['provider']}.SHARE_A"
    assert out["models"] == ["M1"] and out["consumer_accounts"] == [f"{ORG}.{world['c1']}"]
    grants = sql(world["conn"], "SHOW GRANTS TO SHARE SHARE_A")
    assert {(g["granted_on"], g["name"]) for g in grants} == {("DATABASE", "DB"), ("SCHEMA", "DB.S"),
                                                               ("MODEL", "DB.S.M1")}
    consumer = emulator.connect(account=world["c1"])
    sql(consumer, f"CREATE DATABASE SHARED_A FROM SHARE {out['share_ref']}")
    assert models_in(consumer) == ["SHARED_A.S.M1"]  # M2 is not in the share
    answer = str(sql(consumer, "SELECT SNOWFLAKE.CORTEX.COMPLETE('SHARED_A.S.M1', 'Extract from: hi') AS C")[0]["c"])
    assert "adapter" in answer
    # nothing drifted: read reproduces the outputs, so the next diff is empty
    live = CORE.read(session, applied.id, out)
    assert live is not None and live.outputs == out
    assert not CORE.diff(applied.id, live.outputs, s.model_dump(mode="json")).has_changes
    # a second consumer is not entitled
    with pytest.raises(ProgrammingError):
        sql(emulator.connect(account=world["c2"]), f"CREATE DATABASE SHARED_A FROM SHARE {out['share_ref']}")


def test_accounts_and_models_change_in_place(emulator: Any, world: dict[str, Any]) -> None:
    session = session_for(emulator, world["provider"])
    c1, c2 = f"{ORG}.{world['c1']}", f"{ORG}.{world['c2']}"
    first = CORE.create(session, spec(name="SHARE_B", consumer_accounts=[c1]))
    created_on = [r["created_on"] for r in sql(world["conn"], "SHOW SHARES LIKE 'SHARE_B'")]
    new = spec(name="SHARE_B", consumer_accounts=[c2], models=["M1", "M2"])
    d = CORE.diff(first.id, first.outputs, new.model_dump(mode="json"))
    assert d.replaces == [] and set(d.changed) == {"consumer_accounts", "models"}
    out = CORE.update(session, first.id, first.outputs, new)
    assert out["consumer_accounts"] == [c2] and out["models"] == ["M1", "M2"]
    assert shared_to(world["conn"], "SHARE_B") == [c2]
    # same share object (not recreated)
    assert [r["created_on"] for r in sql(world["conn"], "SHOW SHARES LIKE 'SHARE_B'")] == created_on
    consumer2 = emulator.connect(account=world["c2"])
    sql(consumer2, f"CREATE DATABASE SHARED_B FROM SHARE {out['share_ref']}")
    assert models_in(consumer2) == ["SHARED_B.S.M1", "SHARED_B.S.M2"]
    # dropping a model from the spec revokes it; the consumer's copy disappears
    out = CORE.update(session, first.id, out, spec(name="SHARE_B", consumer_accounts=[c2], models=["M2"]))
    assert models_in(consumer2) == ["SHARED_B.S.M2"]
    # removing every consumer leaves an empty share
    out = CORE.update(session, first.id, out, spec(name="SHARE_B", consumer_accounts=[], models=["M2"]))
    assert shared_to(world["conn"], "SHARE_B") == []


def test_drift_by_hand_is_read_and_repaired(emulator: Any, world: dict[str, Any]) -> None:
    session = session_for(emulator, world["provider"])
    c1 = f"{ORG}.{world['c1']}"
    s = spec(name="SHARE_C", consumer_accounts=[c1], models=["M1", "M2"])
    applied = CORE.create(session, s)
    sql(world["conn"], f"ALTER SHARE SHARE_C REMOVE ACCOUNTS = {c1}")
    sql(world["conn"], "REVOKE USAGE ON MODEL DB.S.M2 FROM SHARE SHARE_C")
    live = CORE.read(session, applied.id, applied.outputs)
    assert live is not None
    assert live.outputs["consumer_accounts"] == [] and live.outputs["models"] == ["M1"]
    d = CORE.diff(applied.id, live.outputs, s.model_dump(mode="json"))
    assert set(d.changed) == {"consumer_accounts", "models"} and d.replaces == []
    out = CORE.update(session, applied.id, live.outputs, s)
    assert shared_to(world["conn"], "SHARE_C") == [c1]
    again = CORE.read(session, applied.id, out)
    assert again is not None and again.outputs == out


def test_delete_drops_share_only_and_read_reports_gone(emulator: Any, world: dict[str, Any]) -> None:
    session = session_for(emulator, world["provider"])
    applied = CORE.create(session, spec(name="SHARE_D"))
    CORE.delete(session, applied.id, applied.outputs)
    assert sql(world["conn"], "SHOW SHARES LIKE 'SHARE_D'") == []
    assert CORE.read(session, applied.id, applied.outputs) is None
    assert {"DB.S.M1", "DB.S.M2"} <= set(models_in(world["conn"]))  # the models stay
    CORE.delete(session, applied.id, applied.outputs)  # idempotent
