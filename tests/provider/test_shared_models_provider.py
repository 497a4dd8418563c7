"""The consumer side of a share end to end at the provider level (the engine-driven version waits for
cortex_provider.engine's e2e support): the SharedModels dynamic provider's own check/create/read/diff/
delete, configured like the engine configures it (cortex:* stack config), against two emulator
accounts. Consumer up -> COMPLETE works as the consumer's role; the provider removes the account ->
the consumer's refresh shows the loss; consumer destroy -> the provider's share and model untouched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cortex_provider.pulumi.connection import remember_config
from cortex_provider.pulumi.shared_models import SharedModelsProvider
from cortex_provider.resources.share import ShareCore
from cortex_provider.session import close_all_sessions
from tests.resources.test_share_support import ORG, complete, models_in, seed, session_for, sql, train

UNAVAILABLE = "Shared database is no longer available for use"


@pytest.fixture
def accounts(emulator: Any) -> Iterator[dict[str, Any]]:
    provider, consumer = emulator.new_account(), emulator.new_account()
    prov = emulator.connect(account=provider)
    seed(prov)
    train(prov, "M1")
    admin = emulator.connect(account=consumer)
    for text in ("CREATE ROLE ANALYST", "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE ANALYST",
                 "CREATE USER ANA PASSWORD = 'pw-a'", "GRANT ROLE ANALYST TO USER ANA"):
        sql(admin, text)
    analyst = emulator.connect(account=consumer, user="ANA", password="pw-a", role="ANALYST")
    yield {"provider": provider, "consumer": consumer, "prov": prov, "admin": admin, "analyst": analyst}
    close_all_sessions()


def test_consumer_up_refresh_after_revoke_and_destroy(emulator: Any, accounts: dict[str, Any]) -> None:
    share_core, prov_session = ShareCore(), session_for(emulator, accounts["provider"])
    share_spec = {"name": "SUPPORT_MODELS", "database": "DB", "schema": "S", "models": ["M1"],
                  "consumer_accounts": [f"{ORG}.{accounts['consumer']}"]}
    share = share_core.create(prov_session, share_core.parse(share_spec))
    share_ref = share.outputs["share_ref"]  # what the provider stack exports as share:SUPPORT_MODELS
    assert share_ref == f"{ORG}.{accounts['provider']}.SUPPORT_MODELS"

    provider = SharedModelsProvider()
    remember_config(emulator.stack_config(accounts["consumer"]))  # what `configure` receives
    bad = provider.check({}, {"database": "SHARED", "share_ref": "SUPPORT_MODELS", "roles": ["ANALYST"]})
    assert [f.property for f in bad.failures] == ["share_ref"]  # refused before any SQL

    # consumer up
    checked = provider.check({}, {"database": "shared", "share_ref": share_ref.lower(), "roles": ["analyst"]})
    assert checked.failures == []
    created = provider.create(checked.inputs)
    assert created.id == "SHARED" and created.outs["status"] == "AVAILABLE"
    assert created.outs["models"] == ["SHARED.S.M1"]
    answer = complete(accounts["analyst"], "SHARED.S.M1")
    assert answer == complete(accounts["prov"], "DB.S.M1")

    # the provider removes the account; the consumer's refresh shows the loss
    share_core.update(prov_session, "SUPPORT_MODELS", share.outputs,
                      share_core.parse({**share_spec, "consumer_accounts": []}))
    with pytest.raises(Exception, match=UNAVAILABLE):
        complete(accounts["analyst"], "SHARED.S.M1")
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.id == "SHARED"
    assert (refreshed.outs["status"], refreshed.outs["models"]) == ("REVOKED", [])
    assert refreshed.inputs is not None and refreshed.inputs["share_ref"] == "<revoked>"
    diff = provider.diff(created.id, refreshed.outs, checked.inputs)  # the next up: a re-mount
    assert diff.replaces == ["share_ref"] and diff.delete_before_replace

    # consumer destroy: only the mount goes
    before = models_in(accounts["prov"])
    provider.delete(created.id, refreshed.outs)
    assert sql(accounts["admin"], "SHOW DATABASES LIKE 'SHARED'") == []
    assert provider.read(created.id, refreshed.outs).id == ""  # gone: refresh would drop it from state
    assert models_in(accounts["prov"]) == before
    assert complete(accounts["prov"], "DB.S.M1") == answer
    live_share = share_core.read(prov_session, "SUPPORT_MODELS", share.outputs)
    assert live_share is not None and live_share.outputs["models"] == ["M1"]
