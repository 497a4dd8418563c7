"""ModelShare's provider with unknown inputs (preview); the whole program on the real engine:
tests/e2e/test_share_program.py."""

from __future__ import annotations


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
