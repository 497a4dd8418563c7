"""Fixtures for provider-server tests: an emulator account and a configured provider server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.session import Session
from tests.provider.grpc_provider import ProviderServer
from tests.provider.provider_support import start_server
from tests.resources.grant_support import Acct

PASSWORD = "Pw-7f3c1d9e-do-not-leak"


@pytest.fixture
def acct(emulator: Any) -> Iterator[Acct]:
    """A new account (admin password PASSWORD) with DB.S, table DB.S.NOTES and roles R1, R2."""
    name = emulator.new_account()
    conn = emulator.connect(account=name, password=PASSWORD)
    a = Acct(emulator, name, Session(emulator.settings(name, PASSWORD)), conn)
    for stmt in (
        "CREATE DATABASE DB",
        "CREATE SCHEMA DB.S",
        "CREATE TABLE DB.S.NOTES (ID INT, NOTE VARCHAR, LABEL VARCHAR)",
        "INSERT INTO DB.S.NOTES VALUES (1, 'fever and cough', 'flu'), (2, 'sneezing', 'cold')",
        "CREATE ROLE R1",
        "CREATE ROLE R2",
    ):
        a.sql(stmt)
    yield a
    a.session.close()
    conn.close()


@pytest.fixture
def server(tmp_path: Path, emulator: Any, acct: Acct) -> Iterator[tuple[ProviderServer, list[str]]]:
    logs: list[str] = []
    srv = start_server(tmp_path, emulator, acct.name, PASSWORD, logs)
    yield srv, logs
    srv.close()
