"""ModelShare through Pulumi's own dynamic provider server (gRPC), driven by the offline runner."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.offline import RunResult, run_destroy, run_refresh, run_up
from tests.provider.provider_support import write_project
from tests.resources.test_share_support import ORG, models_in, seed, sql, train


class Stack:
    """A Pulumi project named `cortex` whose stack config points at one emulator account."""

    def __init__(self, root: Path, emulator: Any, account: str) -> None:
        self.dir = root / "proj"
        write_project(self.dir, emulator, account, "test")
        self.lines: list[str] = []

    def program(self, body: str) -> None:
        (self.dir / "__main__.py").write_text("import pulumi\n" + textwrap.dedent(body))

    def up(self) -> RunResult:
        return run_up(self.dir, "test", printer=self.lines.append)

    def refresh(self) -> RunResult:
        return run_refresh(self.dir, "test", printer=self.lines.append)

    def destroy(self) -> RunResult:
        return run_destroy(self.dir, "test", printer=self.lines.append)


PROGRAM = """
from cortex_provider.pulumi.share import ModelShare
share = ModelShare("share", name="PSHARE", database="DB", schema="S", models={models!r},
                   consumer_accounts={accounts!r})
pulumi.export("share_ref", share.share_ref)
pulumi.export("models", share.models)
"""


@pytest.fixture
def env(tmp_path: Path, emulator: Any) -> dict[str, Any]:
    provider, consumer = emulator.new_account(), emulator.new_account()
    conn = emulator.connect(account=provider)
    seed(conn)
    train(conn, "M1")
    train(conn, "M2")
    emulator.connect(account=consumer).close()
    return {"stack": Stack(tmp_path, emulator, provider), "provider": provider, "consumer": consumer,
            "conn": conn, "emulator": emulator}


def test_up_refresh_update_destroy(env: dict[str, Any]) -> None:
    stack, conn, consumer = env["stack"], env["conn"], f"{ORG}.{env['consumer']}"
    stack.program(PROGRAM.format(models=["m1"], accounts=[consumer]))
    res = stack.up()
    assert res.ok, res.errors
    assert res.ops()["share"] == "create"
    assert res.outputs == {"share_ref": f"{ORG}.{env['provider']}.PSHARE", "models": ["M1"]}
    consumer_conn = env["emulator"].connect(account=env["consumer"])
    sql(consumer_conn, f"CREATE DATABASE FROMSHARE FROM SHARE {res.outputs['share_ref']}")
    assert models_in(consumer_conn) == ["FROMSHARE.S.M1"]

    again = stack.up()  # nothing changed: no mutating RPC
    assert again.ok and again.ops()["share"] == "same"
    assert not {"Create", "Update", "Delete"} & set(again.methods("::share"))

    # an account removed by hand: refresh sees the drift, the next up puts it back in place
    sql(conn, f"ALTER SHARE PSHARE REMOVE ACCOUNTS = {consumer}")
    refreshed = stack.refresh()
    assert refreshed.ok and refreshed.ops()["share"] == "update"
    repaired = stack.up()
    assert repaired.ok and repaired.ops()["share"] == "update"
    assert consumer in str(sql(conn, "SHOW SHARES LIKE 'PSHARE'")[0]["to"])

    # adding a model is an in-place update (never a replace)
    stack.program(PROGRAM.format(models=["M1", "M2"], accounts=[consumer]))
    changed = stack.up()
    assert changed.ok and changed.ops()["share"] == "update"
    assert models_in(consumer_conn) == ["FROMSHARE.S.M1", "FROMSHARE.S.M2"]

    gone = stack.destroy()
    assert gone.ok, gone.errors
    assert sql(conn, "SHOW SHARES LIKE 'PSHARE'") == []
    assert {"DB.S.M1", "DB.S.M2"} <= set(models_in(conn))


def test_bad_input_fails_in_check_before_any_sql(env: dict[str, Any]) -> None:
    stack = env["stack"]
    stack.program(PROGRAM.format(models=["OTHER.X.M1"], accounts=["not an account"]))
    res = stack.up()
    assert not res.ok
    text = "\n".join(res.errors)
    assert "consumer_accounts" in text and "models[0]" in text
    assert "Create" not in res.methods()
    assert sql(env["conn"], "SHOW SHARES LIKE 'PSHARE'") == []


def test_preview_tolerates_unknown_inputs() -> None:
    """A model name or refresh token computed by another resource in the same up is unknown in preview."""
    from pulumi.runtime.rpc import UNKNOWN

    from cortex_provider.pulumi.replication import ModelReplicationProvider
    from cortex_provider.pulumi.share import ModelShareProvider

    share = ModelShareProvider()
    news = {"name": "s", "database": "DB", "schema": "S", "models": ["M1", UNKNOWN], "consumer_accounts": []}
    checked = share.check({}, news)
    assert checked.failures == [] and checked.inputs["models"] == ["M1", UNKNOWN]
    assert checked.inputs["name"] == "S"  # known fields are still normalised
    bad = share.check({}, {**news, "database": "a b"})
    assert [f.property for f in bad.failures] == ["database"]
    olds = {"name": "S", "database": "DB", "schema": "S", "models": ["M1"], "consumer_accounts": []}
    d = share.diff("S", olds, checked.inputs)
    assert d.changes and d.replaces == []

    rep = ModelReplicationProvider()
    inputs = {"group": "G", "databases": ["DB"], "target_accounts": ["EU"], "refresh_token": UNKNOWN}
    checked = rep.check({}, inputs)
    assert checked.failures == [] and checked.inputs["refresh_token"] == UNKNOWN
    olds = {**inputs, "refresh_token": "job-1", "schedule": None, "target_connections": {}}
    d = rep.diff("G", olds, checked.inputs)
    assert d.changes and d.replaces == []
