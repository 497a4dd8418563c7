"""Statements sharing and replication need beyond `sql.sharing`: who am I, and single-property
ALTER REPLICATION GROUP forms.

`CurrentAccount` tells the provider its own `org.account` (the primary side of `AS REPLICA OF`
and the org that bare target names belong to). `SetAllowedDatabases` is the documented
`SET ALLOWED_DATABASES = ...` without re-stating OBJECT_TYPES; `UnsetReplicationSchedule` returns
a group to manual refreshes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.statement import Statement


@dataclass(frozen=True)
class CurrentAccount(Statement):
    """SELECT CURRENT_ORGANIZATION_NAME() AS ORGANIZATION_NAME, CURRENT_ACCOUNT_NAME() AS ACCOUNT_NAME."""

    kind: ClassVar[str] = "CURRENT ACCOUNT"

    def sql(self) -> str:
        return (
            "SELECT CURRENT_ORGANIZATION_NAME() AS ORGANIZATION_NAME, CURRENT_ACCOUNT_NAME() AS ACCOUNT_NAME"
        )


@dataclass(frozen=True)
class SetAllowedDatabases(Statement):
    """ALTER REPLICATION GROUP g SET ALLOWED_DATABASES = d1, d2."""

    kind: ClassVar[str] = "ALTER REPLICATION GROUP"
    name: Identifier
    databases: tuple[Identifier, ...]

    def __post_init__(self) -> None:
        if not self.databases:
            raise InvalidInput("databases", "no databases given", "list at least one database")

    def sql(self) -> str:
        dbs = ", ".join(d.sql() for d in self.databases)
        return f"ALTER REPLICATION GROUP {self.name.sql()} SET ALLOWED_DATABASES = {dbs}"


@dataclass(frozen=True)
class UnsetReplicationSchedule(Statement):
    """ALTER REPLICATION GROUP g UNSET REPLICATION_SCHEDULE (back to manual refreshes only)."""

    kind: ClassVar[str] = "ALTER REPLICATION GROUP"
    name: Identifier

    def sql(self) -> str:
        return f"ALTER REPLICATION GROUP {self.name.sql()} UNSET REPLICATION_SCHEDULE"
