"""Fixtures for the grant and TrainingView core tests (the `emulator` fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cortex_provider.resources.grant_cache import SHOW_CACHE
from cortex_provider.session import Session
from tests.resources.grant_support import Acct


@pytest.fixture
def acct(emulator: Any) -> Iterator[Acct]:
    """A new account with database DB, schema DB.S, table DB.S.NOTES and roles R1..R3."""
    name = emulator.new_account()
    conn = emulator.connect(account=name)
    session = Session(emulator.settings(name))
    SHOW_CACHE.clear()
    a = Acct(emulator, name, session, conn)
    for stmt in (
        "CREATE DATABASE DB",
        "CREATE SCHEMA DB.S",
        "CREATE SCHEMA DB.S2",
        "CREATE TABLE DB.S.NOTES (ID INT, NOTE VARCHAR, LABEL VARCHAR)",
        "INSERT INTO DB.S.NOTES VALUES (1, 'fever and cough', 'flu'), (2, 'sneezing', 'cold'), "
        "(3, 'sneezing', 'cold'), (4, 'headache', '')",
        "CREATE ROLE R1",
        "CREATE ROLE R2",
        "CREATE ROLE R3",
    ):
        a.sql(stmt)
    yield a
    session.close()
    conn.close()
    SHOW_CACHE.clear()
