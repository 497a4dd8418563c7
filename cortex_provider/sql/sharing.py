"""Shares, replication groups and roles: how a fine-tuned model reaches other accounts/regions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import literals
from cortex_provider.sql.identifiers import AccountName, Identifier
from cortex_provider.sql.statement import Statement

_SCHEDULE = re.compile(r"(?:[1-9][0-9]{0,5} MINUTE|USING CRON [0-9*/,\- ]+ [A-Za-z_/+\-0-9]+)")


def _accounts(accounts: tuple[AccountName, ...], field: str) -> str:
    if not accounts:
        raise InvalidInput(field, "no accounts given", "list at least one ORG.ACCOUNT")
    return ", ".join(a.sql() for a in accounts)


def _names(names: tuple[Identifier, ...], field: str) -> str:
    if not names:
        raise InvalidInput(field, "no names given", "list at least one")
    return ", ".join(n.sql() for n in names)


@dataclass(frozen=True)
class CreateRole(Statement):
    kind: ClassVar[str] = "CREATE ROLE"
    name: Identifier
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.comment is not None:
            literals.string(self.comment, "comment")

    def sql(self) -> str:
        comment = f" COMMENT = {literals.string(self.comment, 'comment')}" if self.comment is not None else ""
        return f"CREATE ROLE IF NOT EXISTS {self.name.sql()}{comment}"


@dataclass(frozen=True)
class CreateShare(Statement):
    kind: ClassVar[str] = "CREATE SHARE"
    name: Identifier
    comment: str | None = None
    if_not_exists: bool = False

    def __post_init__(self) -> None:
        if self.comment is not None:
            literals.string(self.comment, "comment")

    @property
    def idempotent(self) -> bool:
        return self.if_not_exists

    def sql(self) -> str:
        ine = "IF NOT EXISTS " if self.if_not_exists else ""
        comment = f" COMMENT = {literals.string(self.comment, 'comment')}" if self.comment is not None else ""
        return f"CREATE SHARE {ine}{self.name.sql()}{comment}"


@dataclass(frozen=True)
class AlterShareAccounts(Statement):
    """ALTER SHARE s ADD|REMOVE ACCOUNTS = org.acct, ..."""

    kind: ClassVar[str] = "ALTER SHARE"
    name: Identifier
    action: Literal["ADD", "REMOVE"]
    accounts: tuple[AccountName, ...]

    def __post_init__(self) -> None:
        if self.action not in ("ADD", "REMOVE"):
            raise InvalidInput("action", f"{self.action!r}", "use ADD or REMOVE")
        _accounts(self.accounts, "accounts")

    def sql(self) -> str:
        return (
            f"ALTER SHARE {self.name.sql()} {self.action} ACCOUNTS = {_accounts(self.accounts, 'accounts')}"
        )


@dataclass(frozen=True)
class ShowShares(Statement):
    kind: ClassVar[str] = "SHOW SHARES"
    like: Identifier | None = None

    def sql(self) -> str:
        return "SHOW SHARES" + (
            f" LIKE {literals.like_exact(self.like.name)}" if self.like is not None else ""
        )


@dataclass(frozen=True)
class DropShare(Statement):
    kind: ClassVar[str] = "DROP SHARE"
    name: Identifier

    def sql(self) -> str:
        return f"DROP SHARE IF EXISTS {self.name.sql()}"


@dataclass(frozen=True)
class CreateDatabaseFromShare(Statement):
    """CREATE DATABASE d FROM SHARE org.provider_account.share (run in the consumer account)."""

    kind: ClassVar[str] = "CREATE DATABASE FROM SHARE"
    database: Identifier
    provider: AccountName
    share: Identifier

    @property
    def idempotent(self) -> bool:
        return False  # a resend after success fails with "already exists"

    def sql(self) -> str:
        return f"CREATE DATABASE {self.database.sql()} FROM SHARE {self.provider.sql()}.{self.share.sql()}"


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
        _names(self.databases, "databases")
        _accounts(self.allowed_accounts, "allowed_accounts")
        if self.schedule is not None:
            check_schedule(self.schedule)

    @property
    def idempotent(self) -> bool:
        return self.if_not_exists

    def sql(self) -> str:
        ine = "IF NOT EXISTS " if self.if_not_exists else ""
        text = (
            f"CREATE REPLICATION GROUP {ine}{self.name.sql()} OBJECT_TYPES = DATABASES"
            f" ALLOWED_DATABASES = {_names(self.databases, 'databases')}"
            f" ALLOWED_ACCOUNTS = {_accounts(self.allowed_accounts, 'allowed_accounts')}"
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
            _names(self.databases, "databases")
        if self.allowed_accounts is not None:
            _accounts(self.allowed_accounts, "allowed_accounts")
        if self.schedule is not None:
            check_schedule(self.schedule)

    def sql(self) -> str:
        parts = []
        if self.databases is not None:
            parts.append(
                f"OBJECT_TYPES = DATABASES ALLOWED_DATABASES = {_names(self.databases, 'databases')}"
            )
        if self.allowed_accounts is not None:
            parts.append(f"ALLOWED_ACCOUNTS = {_accounts(self.allowed_accounts, 'allowed_accounts')}")
        if self.schedule is not None:
            parts.append(f"REPLICATION_SCHEDULE = {literals.string(check_schedule(self.schedule))}")
        return f"ALTER REPLICATION GROUP {self.name.sql()} SET {' '.join(parts)}"


@dataclass(frozen=True)
class ShowReplicationGroups(Statement):
    kind: ClassVar[str] = "SHOW REPLICATION GROUPS"
    in_account: AccountName | None = None

    def sql(self) -> str:
        scope = f" IN ACCOUNT {self.in_account.sql()}" if self.in_account is not None else ""
        return f"SHOW REPLICATION GROUPS{scope}"


@dataclass(frozen=True)
class ShowDatabasesInReplicationGroup(Statement):
    """SHOW DATABASES IN REPLICATION GROUP g (SHOW REPLICATION GROUPS does not list databases)."""

    kind: ClassVar[str] = "SHOW DATABASES IN REPLICATION GROUP"
    name: Identifier

    def sql(self) -> str:
        return f"SHOW DATABASES IN REPLICATION GROUP {self.name.sql()}"


@dataclass(frozen=True)
class DropReplicationGroup(Statement):
    kind: ClassVar[str] = "DROP REPLICATION GROUP"
    name: Identifier

    def sql(self) -> str:
        return f"DROP REPLICATION GROUP IF EXISTS {self.name.sql()}"
