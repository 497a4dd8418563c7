"""Databases that are read-only in an account: secondaries of a replication group and databases
created FROM SHARE. Stored in the account's catalog record (`extra["read_only_databases"]`:
database -> reason) so they survive restarts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cortex_local.errors import sql_error

if TYPE_CHECKING:
    from cortex_local.server import EmulatorServer

KEY = "read_only_databases"


def read_only_reason(server: EmulatorServer, account: str, database: str) -> str | None:
    with server.catalog.lock:
        return server.catalog.account(account).extra.get(KEY, {}).get(database)


def mark_read_only(server: EmulatorServer, account: str, database: str, reason: str | None) -> None:
    with server.catalog.lock:
        marks = server.catalog.account(account).extra.setdefault(KEY, {})
        if reason is None:
            marks.pop(database, None)
        else:
            marks[database] = reason
        server.catalog.save()


def require_writable(server: EmulatorServer, account: str, database: str) -> None:
    reason = read_only_reason(server, account, database)
    if reason is not None:
        raise sql_error(
            3008,
            f"SQL compilation error:\nDatabase '{database}' is read-only ({reason}); "
            "it cannot be modified in this account.",
            "42501",
        )
