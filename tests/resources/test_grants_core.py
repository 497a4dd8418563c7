"""Grant cores against the emulator through the real driver: create, no-op, drift, import, delete."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from cortex_provider.resources.base import ResourceCore
from cortex_provider.resources.grants import CortexUserGrantCore, ModelUsageGrantCore
from cortex_provider.resources.grants_creator import ModelCreatorGrantCore
from tests.resources.grant_support import Acct

CORTEX_USER = ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER")
CREATOR = {("USAGE", "DATABASE", "DB"), ("USAGE", "SCHEMA", "DB.S"), ("CREATE MODEL", "SCHEMA", "DB.S")}


def up(core: ResourceCore[Any], acct: Acct, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    checked = core.check({}, inputs)
    assert not checked.failures, checked.failures
    applied = core.create(acct.session, core.parse(checked.inputs))
    return applied.id, applied.outputs


def assert_noop(
    core: ResourceCore[Any], acct: Acct, id_: str, outs: dict[str, Any], inputs: dict[str, Any]
) -> None:
    """A second `up` (check + diff) and a refresh (read) send no DDL and plan no change."""
    mark = acct.mark()
    checked = core.check(outs, inputs)
    assert not core.diff(id_, outs, checked.inputs).has_changes
    assert acct.since(mark) == []  # check and diff are pure: no SQL at all
    acct.fresh_read()
    live = core.read(acct.session, id_, outs)
    assert live is not None and live.outputs == outs and live.id == id_
    assert acct.ddl_since(mark) == []


def test_cortex_user_grant_lifecycle(acct: Acct) -> None:
    core = CortexUserGrantCore()
    id_, outs = up(core, acct, {"role": "r1"})
    assert id_ == "R1"
    assert outs == {"role": "R1", "database_role": "SNOWFLAKE.CORTEX_USER", "preexisting": False}
    assert CORTEX_USER in acct.grants_to("R1")
    assert_noop(core, acct, id_, outs, {"role": "R1"})

    acct.sql("REVOKE DATABASE ROLE SNOWFLAKE.CORTEX_USER FROM ROLE R1")  # drift by hand
    acct.fresh_read()
    assert core.read(acct.session, id_, outs) is None

    acct.sql("GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE R1")
    acct.fresh_read()
    imported = core.read(acct.session, "R1", {})
    assert imported is not None and imported.outputs["role"] == "R1" and not imported.outputs["preexisting"]

    mark = acct.mark()
    core.delete(acct.session, id_, outs)
    assert acct.ddl_since(mark) == ["REVOKE DATABASE ROLE SNOWFLAKE.CORTEX_USER FROM ROLE R1"]
    assert CORTEX_USER not in acct.grants_to("R1")


def released_logs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the cores' deletes write to the Pulumi log (ownership.log_release)."""
    logs: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *args, **kwargs: logs.append(message))
    return logs


def test_cortex_user_grant_keeps_a_grant_it_did_not_make(acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    acct.sql("GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE R2")
    core = CortexUserGrantCore()
    mark = acct.mark()
    id_, outs = up(core, acct, {"role": "R2"})
    assert outs["preexisting"] is True and acct.ddl_since(mark) == []
    logs = released_logs(monkeypatch)
    core.delete(acct.session, id_, outs)
    assert CORTEX_USER in acct.grants_to("R2")
    assert logs == ["CortexUserGrant R2: released, not revoked (SNOWFLAKE.CORTEX_USER: held before this stack "
                    "granted it); this stack no longer manages it and left it as it is."]


def test_model_creator_grant_manages_only_what_it_added(acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    acct.sql("GRANT USAGE ON DATABASE DB TO ROLE R1")  # set up outside Pulumi
    core = ModelCreatorGrantCore()
    id_, outs = up(core, acct, {"role": "r1", "database": "db", "schema": "s"})
    assert id_ == "R1|DB.S"
    assert outs["managed_privileges"] == ["USAGE ON SCHEMA", "CREATE MODEL ON SCHEMA"]
    assert acct.grants_to("R1") >= CREATOR
    assert_noop(core, acct, id_, outs, {"role": "R1", "database": "DB", "schema": "S"})

    mark = acct.mark()
    logs = released_logs(monkeypatch)
    core.delete(acct.session, id_, outs)
    assert sorted(acct.ddl_since(mark)) == [
        "REVOKE CREATE MODEL ON SCHEMA DB.S FROM ROLE R1",
        "REVOKE USAGE ON SCHEMA DB.S FROM ROLE R1",
    ]
    assert acct.grants_to("R1") & CREATOR == {("USAGE", "DATABASE", "DB")}
    assert len(logs) == 1 and logs[0].startswith("ModelCreatorGrant R1|DB.S: released, not revoked (USAGE ON "
                                                 "DATABASE: held before"), logs


def test_model_creator_grant_drift_is_repaired_in_place(acct: Acct) -> None:
    core = ModelCreatorGrantCore()
    inputs = {"role": "R2", "database": "DB", "schema": "S"}
    id_, outs = up(core, acct, inputs)
    acct.sql("REVOKE CREATE MODEL ON SCHEMA DB.S FROM ROLE R2")
    acct.fresh_read()
    live = core.read(acct.session, id_, outs)
    assert live is not None and live.outputs["missing_privileges"] == ["CREATE MODEL ON SCHEMA"]
    diff = core.diff(id_, live.outputs, core.check(live.outputs, inputs).inputs)
    assert diff.changed == ["missing_privileges"] and diff.replaces == []

    mark = acct.mark()
    outs = core.update(acct.session, id_, live.outputs, core.parse(inputs))
    assert acct.ddl_since(mark) == ["GRANT CREATE MODEL ON SCHEMA DB.S TO ROLE R2"]
    assert outs["missing_privileges"] == [] and len(outs["managed_privileges"]) == 3

    for stmt in ("REVOKE USAGE ON DATABASE DB FROM ROLE R2", "REVOKE USAGE ON SCHEMA DB.S FROM ROLE R2",
                 "REVOKE CREATE MODEL ON SCHEMA DB.S FROM ROLE R2"):
        acct.sql(stmt)
    acct.fresh_read()
    assert core.read(acct.session, id_, outs) is None  # every privilege gone: the grant is gone


def test_model_creator_grant_import_and_replace(acct: Acct) -> None:
    for stmt in ("GRANT USAGE ON DATABASE DB TO ROLE R3", "GRANT USAGE ON SCHEMA DB.S TO ROLE R3"):
        acct.sql(stmt)
    core = ModelCreatorGrantCore()
    imported = core.read(acct.session, "R3|DB.S", {})
    assert imported is not None
    assert imported.outputs["managed_privileges"] == ["USAGE ON DATABASE", "USAGE ON SCHEMA"]
    assert imported.outputs["missing_privileges"] == ["CREATE MODEL ON SCHEMA"]
    news = core.check({}, {"role": "R3", "database": "DB", "schema": "S2"}).inputs
    diff = core.diff("R3|DB.S", imported.outputs, news)
    assert "schema" in diff.replaces and "missing_privileges" in diff.changed
    assert diff.delete_before_replace  # else the new grant would not manage the shared USAGE ON DATABASE


def test_model_usage_grant_lifecycle(acct: Acct) -> None:
    model = acct.make_model("BOT")
    core = ModelUsageGrantCore()
    id_, outs = up(core, acct, {"role": "R1", "model": "BOT", "database": "DB", "schema": "S"})
    assert id_ == "R1|DB.S.BOT" and outs["model"] == model
    assert ("USAGE", "MODEL", model) in acct.grants_to("R1")
    assert_noop(core, acct, id_, outs, {"role": "R1", "model": "db.s.bot"})
    diff = core.diff(id_, outs, core.check(outs, {"role": "R2", "model": model}).inputs)
    assert diff.replaces == ["role"]

    acct.sql(f"REVOKE USAGE ON MODEL {model} FROM ROLE R1")
    acct.fresh_read()
    assert core.read(acct.session, id_, outs) is None
    acct.sql(f"GRANT USAGE ON MODEL {model} TO ROLE R1")
    acct.fresh_read()
    assert core.read(acct.session, id_, {}) is not None  # import by id

    mark = acct.mark()
    core.delete(acct.session, id_, outs)
    assert acct.ddl_since(mark) == [f"REVOKE USAGE ON MODEL {model} FROM ROLE R1"]
    acct.sql(f"DROP MODEL {model}")
    acct.fresh_read()
    assert core.read(acct.session, id_, outs) is None  # model gone: SHOW fails 2003 -> gone
    core.delete(acct.session, id_, outs)  # deleting a grant on a dropped model is a no-op


def test_reads_share_one_show_per_object(acct: Acct) -> None:
    """Refreshing many grants costs one SHOW per object, not one per resource."""
    creator, cortex = ModelCreatorGrantCore(), CortexUserGrantCore()
    states = []
    for role in ("R1", "R2", "R3"):
        states.append((creator, *up(creator, acct, {"role": role, "database": "DB", "schema": "S"})))
        states.append((cortex, *up(cortex, acct, {"role": role})))
    acct.fresh_read()
    mark = acct.mark()
    for core, id_, outs in states:
        assert core.read(acct.session, id_, outs) is not None
    shows = acct.since(mark)
    assert sorted(shows) == [
        "SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER",
        "SHOW GRANTS ON DATABASE DB",
        "SHOW GRANTS ON SCHEMA DB.S",
    ]


@pytest.mark.parametrize(
    ("core", "inputs", "prop", "needle"),
    [
        (CortexUserGrantCore(), {"role": "select"}, "role", 'quote it to use it as a name: "SELECT"'),
        (CortexUserGrantCore(), {"role": "my role"}, "role", '"my role"'),
        (ModelCreatorGrantCore(), {"role": "R", "database": "DB", "schema": "A.B"}, "schema", "single name"),
        (ModelCreatorGrantCore(), {"role": "R", "database": "DB"}, "schema", "required"),
        (ModelUsageGrantCore(), {"role": "R", "model": "M"}, "model", "DATABASE.SCHEMA.NAME"),
        (ModelUsageGrantCore(), {"role": "R", "model": "X.S.M", "database": "DB"}, "model", "agree"),
    ],
)
def test_check_names_the_field_and_the_fix(core: ResourceCore[Any], inputs: dict[str, Any], prop: str,
                                          needle: str) -> None:
    failures = core.check({}, inputs).failures
    assert [f.property for f in failures] == [prop]
    assert needle in failures[0].reason


def test_quoted_names_round_trip_through_ids(acct: Acct) -> None:
    acct.sql('CREATE ROLE "Data|Team"')
    core = ModelCreatorGrantCore()
    id_, outs = up(core, acct, {"role": '"Data|Team"', "database": "DB", "schema": "S"})
    assert id_ == '"Data|Team"|DB.S'
    acct.fresh_read()
    live = core.read(acct.session, id_, {})
    assert live is not None and live.outputs["role"] == '"Data|Team"'
    assert len(live.outputs["managed_privileges"]) == 3
    core.delete(acct.session, id_, outs)
    assert not acct.grants_to('"Data|Team"') & CREATOR


def test_many_grants_in_one_up_cost_one_show_of_the_grantee_list(acct: Acct) -> None:
    """N CortexUserGrants created by one provider process: one SHOW of CORTEX_USER's grantees and N
    GRANTs (each GRANT extends the cached list instead of forcing a new SHOW of a list growing to N);
    reads afterwards see every grant without another SHOW, and a fresh read agrees with them."""
    acct.sql('CREATE ROLE "quiet role"')
    roles = ["R1", "R2", "R3", '"quiet role"']
    cortex = CortexUserGrantCore()
    mark = acct.mark()
    states = [up(cortex, acct, {"role": role}) for role in roles]
    sent = acct.since(mark)
    assert sent.count("SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER") == 1
    assert len([s for s in sent if s.startswith("GRANT DATABASE ROLE")]) == len(roles)
    assert all(not outs["preexisting"] for _id, outs in states)
    mark = acct.mark()
    assert all(cortex.read(acct.session, id_, outs) is not None for id_, outs in states)
    assert acct.since(mark) == []
    acct.fresh_read()
    assert all(cortex.read(acct.session, id_, outs) is not None for id_, outs in states)
