"""Shares (https://docs.snowflake.com/en/sql-reference/sql/create-share): how a fine-tuned model reaches
other accounts in its region; the consumer's side is sql/consumer.py, other regions sql/replication.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import clauses, literals
from cortex_provider.sql.identifiers import AccountName, Identifier
from cortex_provider.sql.statement import Statement


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
        clauses.accounts(self.accounts, "accounts")

    def sql(self) -> str:
        return (
            f"ALTER SHARE {self.name.sql()} {self.action} ACCOUNTS = {clauses.accounts(self.accounts, 'accounts')}"
        )


@dataclass(frozen=True)
class ShowShares(Statement):
    kind: ClassVar[str] = "SHOW SHARES"
    like: Identifier | None = None

    def sql(self) -> str:
        return clauses.show("SHARES", self.like)


@dataclass(frozen=True)
class DropShare(Statement):
    kind: ClassVar[str] = "DROP SHARE"
    name: Identifier

    def sql(self) -> str:
        return clauses.drop("SHARE", self.name)


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
