"""THE SECRET-LEAK TEST: the password given to `configure` reaches the connector and nothing else.

Searched: the pickled `__provider` blob (raw and base64), every output, the emulator's query log
and server log, and everything the provider process printed (logs, tracebacks of failed calls).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.pulumi.grants import CortexUserGrantProvider, ModelCreatorGrantProvider
from cortex_provider.pulumi.training_view import TrainingViewProvider
from tests.provider.conftest import PASSWORD
from tests.provider.grpc_provider import ProviderError, ProviderServer
from tests.provider.provider_support import Driver, start_server
from tests.resources.grant_support import Acct

WRONG = "Wrong-pw-51a0b7-also-secret"


def test_password_appears_nowhere(server: tuple[ProviderServer, list[str]], acct: Acct, emulator: Any,
                                  tmp_path: Path) -> None:
    srv, logs = server
    drivers = [
        (Driver(srv, CortexUserGrantProvider(), "c"), {"role": "R1"}),
        (Driver(srv, ModelCreatorGrantProvider(), "m"), {"role": "R1", "database": "DB", "schema": "S"}),
        (Driver(srv, TrainingViewProvider(), "v"),
         {"database": "DB", "schema": "S", "name": "V", "query": "SELECT NOTE AS prompt, LABEL AS completion "
                                                                 "FROM DB.S.NOTES"}),
    ]
    seen: list[str] = []
    for d, spec in drivers:
        inputs, _ = d.check({}, spec)
        id_, outs = d.create(inputs)
        _, live = d.read(id_, outs)
        seen += [json.dumps(inputs), json.dumps(outs), json.dumps(live), d.blob]
        blob = d.provider_bytes()
        assert PASSWORD.encode() not in blob and b"password" not in blob.lower()
    # the connection really used the password (the account only accepts it) ...
    assert ("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER") in acct.grants_to("R1")
    # ... and failures carry Snowflake's message, not the connection's secrets
    bad = drivers[2][0]
    with pytest.raises(ProviderError) as info:
        bad.create(bad.check({}, {"database": "DB", "schema": "S", "name": "W",
                                  "query": "SELECT NOPE AS prompt FROM DB.S.NOTES"})[0])
    seen.append(str(info.value.details))

    wrong_logs: list[str] = []
    (tmp_path / "wrong").mkdir()
    wrong = start_server(tmp_path / "wrong", emulator, acct.name, WRONG, wrong_logs)
    try:
        with pytest.raises(ProviderError) as login:
            Driver(wrong, CortexUserGrantProvider(), "w").create({"role": "R2"})
        seen.append(str(login.value.details))
        assert "Incorrect username or password" in login.value.details or "390100" in login.value.details
    finally:
        wrong.close()

    seen += logs + wrong_logs
    seen += [json.dumps(e) for e in emulator.query_log()]  # every account, every statement
    seen.append(Path(emulator.data_dir, "query_log.jsonl").read_text())
    seen.append(emulator.log_tail(10**7))
    haystack = "\n".join(seen)
    assert len(haystack) > 1000  # we really searched something
    for secret in (PASSWORD, WRONG):
        assert secret not in haystack
