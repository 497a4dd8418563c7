"""The grant providers through the SDK's dynamic provider server over gRPC (as the engine drives them)."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.pulumi.grants import (
    CortexUserGrantProvider,
    ModelCreatorGrantProvider,
    ModelUsageGrantProvider,
)
from tests.provider.grpc_provider import ProviderError, ProviderServer
from tests.provider.provider_support import Driver
from tests.resources.grant_support import Acct

Server = tuple[ProviderServer, list[str]]


def test_cortex_user_grant_over_grpc(server: Server, acct: Acct) -> None:
    d = Driver(server[0], CortexUserGrantProvider(), "cortex-r1")
    inputs, failures = d.check({}, {"role": "r1"})
    assert failures == [] and inputs == {"role": "R1"}
    id_, outs = d.create(inputs)
    assert id_ == "R1" and outs["role"] == "R1" and outs["preexisting"] is False
    assert ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER") in acct.grants_to("R1")

    mark = acct.mark()
    news, _ = d.check(inputs, {"role": "R1"})
    assert d.diff(id_, outs, news) == (False, [])
    rid, live = d.read(id_, outs)
    assert (rid, live) == (id_, outs)
    assert acct.ddl_since(mark) == []
    assert d.diff(id_, outs, d.check(inputs, {"role": "R2"})[0]) == (True, ["role"])

    _, failures = d.check({}, {"role": "bad role"})
    assert len(failures) == 1 and failures[0].startswith("role: ") and '"bad role"' in failures[0]

    d.delete(id_, outs)
    assert ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER") not in acct.grants_to("R1")
    rid, _ = d.read(id_, outs)
    assert rid == ""  # gone: the engine drops it from state


def test_model_creator_grant_over_grpc(server: Server, acct: Acct) -> None:
    d = Driver(server[0], ModelCreatorGrantProvider(), "creator-r2")
    inputs, _ = d.check({}, {"role": "R2", "database": "DB", "schema": "S"})
    id_, outs = d.create(inputs)
    assert id_ == "R2|DB.S" and len(outs["managed_privileges"]) == 3
    acct.sql("REVOKE USAGE ON SCHEMA DB.S FROM ROLE R2")
    _, live = d.read(id_, outs)  # a new provider process per server: nothing cached across tests
    assert live["missing_privileges"] == ["USAGE ON SCHEMA"]
    assert d.diff(id_, live, inputs) == (True, [])
    fixed = d.update(id_, live, inputs)
    assert fixed["missing_privileges"] == [] and ("USAGE", "SCHEMA", "DB.S") in acct.grants_to("R2")
    # import: a read with only the id (the engine passes the program's inputs, no outputs)
    rid, imported = d.read("R2|DB.S", {}, inputs)
    assert rid == "R2|DB.S" and imported["role"] == "R2"
    d.delete(id_, fixed)
    assert not {p for p, _, _ in acct.grants_to("R2")} & {"USAGE", "CREATE MODEL"}


def test_model_usage_grant_over_grpc(server: Server, acct: Acct) -> None:
    model = acct.make_model("M1")
    d = Driver(server[0], ModelUsageGrantProvider(), "usage-r1")
    inputs, _ = d.check({}, {"role": "R1", "model": model.lower()})
    assert inputs == {"role": "R1", "model": model, "database": "DB", "schema": "S"}
    id_, outs = d.create(inputs)
    assert ("USAGE", "MODEL", model) in acct.grants_to("R1")
    assert d.diff(id_, outs, d.check(inputs, {"role": "R1", "model": "M1", "database": "DB", "schema": "S"})[0]) \
        == (False, [])
    d.delete(id_, outs)
    assert ("USAGE", "MODEL", model) not in acct.grants_to("R1")


def test_snowflake_errors_reach_the_user(server: Server, acct: Acct) -> None:
    d = Driver(server[0], CortexUserGrantProvider(), "cortex-nope")
    inputs, _ = d.check({}, {"role": "NO_SUCH_ROLE"})
    with pytest.raises(ProviderError) as info:
        d.create(inputs)
    assert "Role 'NO_SUCH_ROLE' does not exist" in info.value.message


def test_unknown_inputs_pass_check_and_diff(server: Server, acct: Acct) -> None:
    """Preview: another resource's output is not known yet; the known fields are still checked."""
    from pulumi.runtime.rpc import UNKNOWN

    d = Driver(server[0], ModelUsageGrantProvider(), "usage-preview")
    inputs, failures = d.check({}, {"role": "R1", "model": UNKNOWN})
    assert failures == [] and inputs["model"] == UNKNOWN and inputs["role"] == "R1"
    _, failures = d.check({}, {"role": "select", "model": UNKNOWN})
    assert [f.split(":")[0] for f in failures] == ["role"]
    olds: dict[str, Any] = {"role": "R1", "model": "DB.S.M1", "database": "DB", "schema": "S"}
    changes, replaces = d.diff("R1|DB.S.M1", olds, {"role": "R1", "model": UNKNOWN})
    assert changes and "model" in replaces
