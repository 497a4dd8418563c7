"""ModelShare in a Pulumi program of its own, on the real engine: up, a no-op up, drift repaired after
refresh, an in-place model addition, destroy; bad input refused in Check before any SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cortex_provider.engine import VerbResult
from tests.e2e.programs import SnippetProject as Stack
from tests.resources.test_share_support import ORG, models_in, seed, sql, train

PROGRAM = """
from cortex_provider.pulumi.share import ModelShare
share = ModelShare("share", name="PSHARE", database="DB", schema="S", models={models!r},
                   consumer_accounts={accounts!r})
pulumi.export("share_ref", share.share_ref)
pulumi.export("models", share.models)
"""


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"


@pytest.fixture
def env(tmp_path: Path, emulator: Any) -> dict[str, Any]:
    provider, consumer = emulator.new_account(), emulator.new_account()
    conn = emulator.connect(account=provider)
    seed(conn)
    train(conn, "M1")
    train(conn, "M2")
    emulator.connect(account=consumer).close()
    return {"stack": Stack(tmp_path / "proj", emulator, provider, "test"), "provider": provider,
            "consumer": consumer, "conn": conn, "emulator": emulator}


def test_up_refresh_update_destroy(env: dict[str, Any]) -> None:
    stack, conn, consumer = env["stack"], env["conn"], f"{ORG}.{env['consumer']}"
    stack.set_program(PROGRAM.format(models=["m1"], accounts=[consumer]))
    res = stack.run("up")
    assert res.ok, _ok(res)
    assert res.ops()["share"] == "create"
    assert res.outputs == {"share_ref": f"{ORG}.{env['provider']}.PSHARE", "models": ["M1"]}
    consumer_conn = env["emulator"].connect(account=env["consumer"])
    sql(consumer_conn, f"CREATE DATABASE FROMSHARE FROM SHARE {res.outputs['share_ref']}")
    assert models_in(consumer_conn) == ["FROMSHARE.S.M1"]

    before = len(stack.statements())
    again = stack.run("up")  # nothing changed: no create/update/delete, no mutating SQL
    assert again.ok and again.ops()["share"] == "same", _ok(again)
    assert again.changes == 0 and stack.mutations(before) == []

    # an account removed by hand: refresh sees the drift, the next up puts it back in place
    sql(conn, f"ALTER SHARE PSHARE REMOVE ACCOUNTS = {consumer}")
    refreshed = stack.run("refresh")
    assert refreshed.ok and refreshed.summary.get("update") == 1, _ok(refreshed)
    repaired = stack.run("up")
    assert repaired.ok and repaired.ops()["share"] == "update", _ok(repaired)
    assert consumer in str(sql(conn, "SHOW SHARES LIKE 'PSHARE'")[0]["to"])
    # as on Snowflake (003030), the consumer re-creates a database whose share was taken away
    sql(consumer_conn, "DROP DATABASE FROMSHARE")
    sql(consumer_conn, f"CREATE DATABASE FROMSHARE FROM SHARE {res.outputs['share_ref']}")
    assert models_in(consumer_conn) == ["FROMSHARE.S.M1"]

    # adding a model is an in-place update (never a replace)
    stack.set_program(PROGRAM.format(models=["M1", "M2"], accounts=[consumer]))
    before = len(stack.statements())
    changed = stack.run("up")
    assert changed.ok and changed.ops()["share"] == "update", _ok(changed)
    assert models_in(consumer_conn) == ["FROMSHARE.S.M1", "FROMSHARE.S.M2"], stack.statements()[before:]

    gone = stack.run("destroy")
    assert gone.ok, _ok(gone)
    assert sql(conn, "SHOW SHARES LIKE 'PSHARE'") == []
    assert {"DB.S.M1", "DB.S.M2"} <= set(models_in(conn))


def test_bad_input_fails_in_check_before_any_sql(env: dict[str, Any]) -> None:
    stack = env["stack"]
    stack.set_program(PROGRAM.format(models=["OTHER.X.M1"], accounts=["not an account"]))
    before = len(stack.statements())
    res = stack.run("up")
    assert not res.ok
    text = res.stdout + res.stderr
    assert "consumer_accounts" in text and "models[0]" in text
    assert "create" not in [op for op, _ in res.finished]
    assert stack.mutations(before) == []
    assert sql(env["conn"], "SHOW SHARES LIKE 'PSHARE'") == []
