"""The TrainingView provider through the SDK's dynamic provider server over gRPC."""

from __future__ import annotations

import pytest

from cortex_provider.pulumi.training_view import TrainingViewProvider
from tests.provider.grpc_provider import ProviderError, ProviderServer
from tests.provider.provider_support import Driver
from tests.resources.grant_support import Acct

Server = tuple[ProviderServer, list[str]]
SPEC = {"database": "DB", "schema": "S", "name": "TV", "source": "DB.S.NOTES", "prompt_expr": "NOTE",
        "completion_expr": "LABEL", "base_model": "llama3.1-8b", "epochs": 2}


def test_training_view_crud_over_grpc(server: Server, acct: Acct) -> None:
    d = Driver(server[0], TrainingViewProvider(), "tv")
    inputs, failures = d.check({}, SPEC)
    assert failures == []
    id_, outs = d.create(inputs)
    assert id_ == "DB.S.TV" and outs["training_query"] == "SELECT prompt, completion FROM DB.S.TV"
    assert outs["preflight"]["row_count"] == 2 and outs["preflight"]["epochs"] == 2
    assert sorted(acct.sql("SELECT prompt FROM DB.S.TV")) == [("fever and cough",), ("sneezing",)]

    mark = acct.mark()
    news, _ = d.check(inputs, SPEC)
    assert d.diff(id_, outs, news) == (False, [])
    rid, live = d.read(id_, outs)
    assert rid == id_ and live == outs
    assert acct.ddl_since(mark) == []

    changed = {**SPEC, "where": "ID = 1"}
    news, _ = d.check(inputs, changed)
    assert d.diff(id_, outs, news) == (True, [])
    outs = d.update(id_, outs, news)
    assert acct.sql("SELECT prompt FROM DB.S.TV") == [("fever and cough",)]
    assert d.diff(id_, outs, d.check(news, {**changed, "name": "TV2"})[0]) == (True, ["name"])

    d.delete(id_, outs)
    assert acct.sql("SHOW VIEWS IN SCHEMA DB.S") == []


def test_shape_error_is_the_user_facing_message(server: Server, acct: Acct) -> None:
    d = Driver(server[0], TrainingViewProvider(), "tv-bad")
    inputs, _ = d.check({}, {**SPEC, "source": None, "prompt_expr": None, "completion_expr": None,
                             "query": "SELECT NOTE AS prompt FROM DB.S.NOTES"})
    with pytest.raises(ProviderError) as info:
        d.create(inputs)
    assert "without completion" in info.value.message and "Fix: alias them" in info.value.message
    assert acct.sql("SHOW VIEWS IN SCHEMA DB.S") == []
