"""SharedModels core (the consumer side of a share) against the multi-account emulator, through the real
driver: mount, IMPORTED PRIVILEGES, COMPLETE as a consumer role, refusal paths, revoke, delete."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cortex_provider.resources.base import SpecError
from cortex_provider.resources.shared_models import REVOKED, SharedModelsCore, SharedModelsError
from cortex_provider.session import Session
from tests.resources.test_share_support import ORG, complete, models_in, seed, session_for, sql, train

CORE = SharedModelsCore()
SHARE = "MODELS_OUT"
UNAVAILABLE = "Shared database is no longer available for use"


@pytest.fixture(scope="module")
def provider(emulator: Any) -> dict[str, Any]:
    """Account P with model DB.S.M1 in share MODELS_OUT (no consumer yet)."""
    name = emulator.new_account()
    conn = emulator.connect(account=name)
    seed(conn)
    train(conn, "M1")
    for text in (f"CREATE SHARE {SHARE}", f"GRANT USAGE ON DATABASE DB TO SHARE {SHARE}",
                 f"GRANT USAGE ON SCHEMA DB.S TO SHARE {SHARE}", f"GRANT USAGE ON MODEL DB.S.M1 TO SHARE {SHARE}"):
        sql(conn, text)
    return {"name": name, "conn": conn, "ref": f"{ORG}.{name}.{SHARE}"}


@dataclass
class Consumer:
    name: str
    session: Session
    admin: Any
    reader: Any  # a connection as role READER (holds SNOWFLAKE.CORTEX_USER)

    def statements(self, emulator: Any) -> list[str]:
        return [str(e["statement"]) for e in emulator.query_log(self.name)]


@pytest.fixture
def consumer(emulator: Any, provider: dict[str, Any]) -> Iterator[Consumer]:
    name = emulator.new_account()
    admin = emulator.connect(account=name)
    for text in ("CREATE ROLE READER", "CREATE ROLE R2", "CREATE ROLE R3",
                 "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE READER",
                 "CREATE USER READ_USER PASSWORD = 'pw-r'", "GRANT ROLE READER TO USER READ_USER"):
        sql(admin, text)
    sql(provider["conn"], f"ALTER SHARE {SHARE} ADD ACCOUNTS = {ORG}.{name}")
    reader = emulator.connect(account=name, user="READ_USER", password="pw-r", role="READER")
    c = Consumer(name, session_for(emulator, name), admin, reader)
    yield c
    c.session.close()


def props(provider: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"database": "MOUNTED", "share_ref": provider["ref"], "roles": ["reader"], **kw}


# -- pure: check / diff (no SQL) -------------------------------------------------------------------------
def test_check_normalises_and_names_bad_fields_and_fixes() -> None:
    checked = CORE.check({}, {"database": "mounted", "share_ref": "localorg.primary.support_models",
                              "roles": ["b", "A", "a"]})
    assert checked.failures == []
    assert checked.inputs == {"database": "MOUNTED", "share_ref": "LOCALORG.PRIMARY.SUPPORT_MODELS",
                              "roles": ["A", "B"]}
    bad = CORE.check({}, {"database": "a b", "share_ref": "SUPPORT_MODELS", "roles": ["ok", "not ok"]})
    reasons = {f.property: f.reason for f in bad.failures}
    assert set(reasons) == {"database", "share_ref", "roles"}
    assert "ORG.ACCOUNT.SHARE" in reasons["share_ref"] and "share:<NAME>" in reasons["share_ref"]
    with pytest.raises(SpecError, match="share_ref"):
        CORE.parse({"database": "X"})


def test_diff_roles_in_place_database_or_share_replace_deleting_first() -> None:
    olds = CORE.parse({"database": "M", "share_ref": "O.P.S", "roles": ["A"]}).model_dump()
    d = CORE.diff("M", olds, {**olds, "roles": ["A", "B"]})
    assert (d.changed, d.replaces, d.delete_before_replace) == (["roles"], [], False)
    d = CORE.diff("M", {**olds, "share_ref": "<revoked>"}, olds)  # what a refresh records after a revoke
    assert (d.replaces, d.delete_before_replace) == (["share_ref"], True)
    assert CORE.diff("M", olds, {**olds, "database": "N"}).replaces == ["database"]


# -- against the emulator --------------------------------------------------------------------------------
def test_create_mounts_the_share_and_a_consumer_role_can_complete(emulator, provider, consumer) -> None:
    applied = CORE.create(consumer.session, CORE.parse(props(provider)))
    assert applied.id == "MOUNTED"
    out = applied.outputs
    assert (out["status"], out["share_ref"], out["roles"], out["models"]) == (
        "AVAILABLE", provider["ref"], ["READER"], ["MOUNTED.S.M1"])
    assert complete(consumer.reader, "MOUNTED.S.M1") == complete(provider["conn"], "DB.S.M1")
    sent = consumer.statements(emulator)
    assert f"CREATE DATABASE MOUNTED FROM SHARE {provider['ref']}" in sent
    assert "GRANT IMPORTED PRIVILEGES ON DATABASE MOUNTED TO ROLE READER" in sent

    again = CORE.create(consumer.session, CORE.parse(props(provider)))  # a retried create adopts its mount
    assert again.outputs == out
    assert sum(s.startswith("CREATE DATABASE") for s in consumer.statements(emulator)) == 1


def test_create_refuses_without_the_share_or_over_another_database(emulator, provider, consumer) -> None:
    sql(provider["conn"], f"ALTER SHARE {SHARE} REMOVE ACCOUNTS = {ORG}.{consumer.name}")
    with pytest.raises(SharedModelsError, match=r"not offered to this account.*consumer_accounts"):
        CORE.create(consumer.session, CORE.parse(props(provider)))
    sql(provider["conn"], f"ALTER SHARE {SHARE} ADD ACCOUNTS = {ORG}.{consumer.name}")
    sql(consumer.admin, "CREATE DATABASE MOUNTED")
    with pytest.raises(SharedModelsError, match=r"already exists.*standard database.*another `database`"):
        CORE.create(consumer.session, CORE.parse(props(provider)))
    assert not any(s.startswith("CREATE DATABASE MOUNTED FROM") for s in consumer.statements(emulator))
    CORE.delete(consumer.session, "MOUNTED", props(provider))  # not a mount: left alone
    assert [r["kind"] for r in sql(consumer.admin, "SHOW DATABASES LIKE 'MOUNTED'")] == ["STANDARD"]


def test_update_grants_and_revokes_only_declared_roles(emulator, provider, consumer) -> None:
    out = CORE.create(consumer.session, CORE.parse(props(provider))).outputs
    sql(consumer.admin, "GRANT IMPORTED PRIVILEGES ON DATABASE MOUNTED TO ROLE R3")  # by hand
    new = CORE.update(consumer.session, "MOUNTED", out, CORE.parse(props(provider, roles=["R2"])))
    assert (new["roles"], new["other_roles"]) == (["R2"], ["R3"])
    with pytest.raises(Exception, match="not authorized"):
        complete(consumer.reader, "MOUNTED.S.M1")
    sql(consumer.admin, "REVOKE IMPORTED PRIVILEGES ON DATABASE MOUNTED FROM ROLE R2")  # drift by hand
    live = CORE.read(consumer.session, "MOUNTED", new)
    assert live is not None and live.outputs["roles"] == []
    assert CORE.diff("MOUNTED", live.outputs, props(provider, roles=["R2"])).changed == ["roles"]


def test_removed_account_reads_as_revoked_and_the_next_up_remounts(emulator, provider, consumer) -> None:
    spec = CORE.parse(props(provider))
    out = CORE.create(consumer.session, spec).outputs
    sql(provider["conn"], f"ALTER SHARE {SHARE} REMOVE ACCOUNTS = {ORG}.{consumer.name}")
    with pytest.raises(Exception, match=UNAVAILABLE):
        complete(consumer.reader, "MOUNTED.S.M1")
    live = CORE.read(consumer.session, "MOUNTED", out)
    assert live is not None
    assert (live.outputs["status"], live.outputs["share_ref"], live.outputs["models"]) == (REVOKED, "<revoked>", [])
    d = CORE.diff("MOUNTED", live.outputs, props(provider))
    assert d.replaces == ["share_ref"] and d.delete_before_replace
    CORE.delete(consumer.session, "MOUNTED", live.outputs)  # the replace: delete first ...
    with pytest.raises(SharedModelsError, match="not offered"):  # ... then create, while still withheld
        CORE.create(consumer.session, spec)
    sql(provider["conn"], f"ALTER SHARE {SHARE} ADD ACCOUNTS = {ORG}.{consumer.name}")
    assert CORE.create(consumer.session, spec).outputs["status"] == "AVAILABLE"
    assert complete(consumer.reader, "MOUNTED.S.M1") == complete(provider["conn"], "DB.S.M1")


def test_delete_drops_only_the_mount_and_a_dropped_mount_reads_as_gone(emulator, provider, consumer) -> None:
    out = CORE.create(consumer.session, CORE.parse(props(provider))).outputs
    before = models_in(provider["conn"])
    CORE.delete(consumer.session, "MOUNTED", out)
    assert sql(consumer.admin, "SHOW DATABASES LIKE 'MOUNTED'") == []
    assert models_in(provider["conn"]) == before and "DB.S.M1" in before
    assert [r["kind"] for r in sql(provider["conn"], "SHOW SHARES") if r["name"] == SHARE] == ["OUTBOUND"]
    assert CORE.read(consumer.session, "MOUNTED", out) is None
    CORE.delete(consumer.session, "MOUNTED", out)  # already gone: nothing to do
