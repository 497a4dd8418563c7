"""Replication groups (https://docs.snowflake.com/en/sql-reference/sql/create-replication-group): how a
fine-tuned model's database reaches accounts in other regions.

`CurrentAccount` tells the provider its own `org.account` (the primary side of `AS REPLICA OF` and the
org that bare target names belong to). `SetAllowedDatabases` is the documented `SET ALLOWED_DATABASES
= ...` without re-stating OBJECT_TYPES; `UnsetReplicationSchedule` returns a group to manual refreshes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import clauses, literals
from cortex_provider.sql.identifiers import AccountName, Identifier
from cortex_provider.sql.statement import Statement

_SCHEDULE = re.compile(r"(?:[1-9][0-9]{0,5} MINUTE|USING CRON [0-9*/,\- ]+ [A-Za-z_/+\-0-9]+)")


def check_schedule(schedule: str, field: str = "replication_schedule") -> str:
    if not isinstance(schedule, str) or not _SCHEDULE.fullmatch(schedule.strip()):
        raise InvalidInput(
            field,
            f"{schedule!r} is not a replication schedule",
            "use '<n> MINUTE' or 'USING CRON <expr> <time zone>'",
        )
    return schedule.strip()


@dataclass(frozen=True)
class CreateReplicationGroup(Statement):
    """CREATE REPLICATION GROUP g OBJECT_TYPES = DATABASES ALLOWED_DATABASES = ... ALLOWED_ACCOUNTS = ..."""

    kind: ClassVar[str] = "CREATE REPLICATION GROUP"
    name: Identifier
    databases: tuple[Identifier, ...]
    allowed_accounts: tuple[AccountName, ...]
    schedule: str | None = None
    if_not_exists: bool = False

    def __post_init__(self) -> None:
        clauses.names(self.databases, "databases")
        clauses.accounts(self.allowed_accounts, "allowed_accounts")
        if self.schedule is not None:
            check_schedule(self.schedule)

    @property
    def idempotent(self) -> bool:
        return self.if_not_exists

    def sql(self) -> str:
        ine = "IF NOT EXISTS " if self.if_not_exists else ""
        text = (
            f"CREATE REPLICATION GROUP {ine}{self.name.sql()} OBJECT_TYPES = DATABASES"
            f" ALLOWED_DATABASES = {clauses.names(self.databases, 'databases')}"
            f" ALLOWED_ACCOUNTS = {clauses.accounts(self.allowed_accounts, 'allowed_accounts')}"
        )
        if self.schedule is not None:
            text += f" REPLICATION_SCHEDULE = {literals.string(check_schedule(self.schedule))}"
        return text


@dataclass(frozen=True)
class CreateReplicaGroup(Statement):
    """CREATE REPLICATION GROUP g AS REPLICA OF org.acct.g (run in the target account)."""

    kind: ClassVar[str] = "CREATE REPLICATION GROUP"
    name: Identifier
    primary_account: AccountName
    primary_group: Identifier
    if_not_exists: bool = False

    @property
    def idempotent(self) -> bool:
        return self.if_not_exists

    def sql(self) -> str:
        ine = "IF NOT EXISTS " if self.if_not_exists else ""
        return (
            f"CREATE REPLICATION GROUP {ine}{self.name.sql()} AS REPLICA OF "
            f"{self.primary_account.sql()}.{self.primary_group.sql()}"
        )


@dataclass(frozen=True)
class RefreshReplicationGroup(Statement):
    kind: ClassVar[str] = "ALTER REPLICATION GROUP REFRESH"
    name: Identifier

    def sql(self) -> str:
        return f"ALTER REPLICATION GROUP {self.name.sql()} REFRESH"


@dataclass(frozen=True)
class AlterReplicationGroupSet(Statement):
    """ALTER REPLICATION GROUP g SET [OBJECT_TYPES = DATABASES ALLOWED_DATABASES = ...]
    [ALLOWED_ACCOUNTS = ...] [REPLICATION_SCHEDULE = '...']."""

    kind: ClassVar[str] = "ALTER REPLICATION GROUP"
    name: Identifier
    databases: tuple[Identifier, ...] | None = None
    allowed_accounts: tuple[AccountName, ...] | None = None
    schedule: str | None = None

    def __post_init__(self) -> None:
        if self.databases is None and self.allowed_accounts is None and self.schedule is None:
            raise InvalidInput(
                "alter replication group", "nothing to set", "give databases, allowed_accounts or schedule"
            )
        if self.databases is not None:
            clauses.names(self.databases, "databases")
        if self.allowed_accounts is not None:
            clauses.accounts(self.allowed_accounts, "allowed_accounts")
        if self.schedule is not None:
            check_schedule(self.schedule)

    def sql(self) -> str:
        parts = []
        if self.databases is not None:
            parts.append(
                f"OBJECT_TYPES = DATABASES ALLOWED_DATABASES = {clauses.names(self.databases, 'databases')}"
            )
        if self.allowed_accounts is not None:
            parts.append(f"ALLOWED_ACCOUNTS = {clauses.accounts(self.allowed_accounts, 'allowed_accounts')}")
        if self.schedule is not None:
            parts.append(f"REPLICATION_SCHEDULE = {literals.string(check_schedule(self.schedule))}")
        return f"ALTER REPLICATION GROUP {self.name.sql()} SET {' '.join(parts)}"


@dataclass(frozen=True)
class ShowReplicationGroups(Statement):
    kind: ClassVar[str] = "SHOW REPLICATION GROUPS"
    in_account: AccountName | None = None

    def sql(self) -> str:
        return clauses.show("REPLICATION GROUPS", scope=clauses.in_account(self.in_account) if self.in_account else "")


@dataclass(frozen=True)
class ShowDatabasesInReplicationGroup(Statement):
    """SHOW DATABASES IN REPLICATION GROUP g (SHOW REPLICATION GROUPS does not list databases)."""

    kind: ClassVar[str] = "SHOW DATABASES IN REPLICATION GROUP"
    name: Identifier

    def sql(self) -> str:
        return clauses.show("DATABASES", scope=f" IN REPLICATION GROUP {self.name.sql()}")


@dataclass(frozen=True)
class DropReplicationGroup(Statement):
    kind: ClassVar[str] = "DROP REPLICATION GROUP"
    name: Identifier

    def sql(self) -> str:
        return clauses.drop("REPLICATION GROUP", self.name)


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
