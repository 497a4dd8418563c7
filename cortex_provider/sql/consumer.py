"""The consuming account's side of a share: the share reference, IMPORTED PRIVILEGES, SHOW DATABASES.

- `ShareRef`: `<org>.<account>.<share>` (or `<account>.<share>`), what `CREATE DATABASE d FROM SHARE`
  takes (https://docs.snowflake.com/en/sql-reference/sql/create-database, "FROM SHARE
  <provider_account>.<share_name>") and what a provider stack exports as `share_ref`.
- `GRANT | REVOKE IMPORTED PRIVILEGES ON DATABASE d TO | FROM ROLE r`: the one grant a shared database
  takes; SHOW GRANTS prints it as USAGE on the database
  (https://docs.snowflake.com/user-guide/data-share-providers, "IMPORTED PRIVILEGES").
- `SHOW DATABASES LIKE`: `kind` is `IMPORTED DATABASE` for a database created from a share and `origin`
  names the share, or reads `<revoked>` once the provider took it away
  (https://docs.snowflake.com/en/user-guide/data-share-consumers).
`CreateDatabaseFromShare` lives in `sql.sharing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidIdentifier, InvalidInput
from cortex_provider.sql import clauses
from cortex_provider.sql.identifiers import AccountName, Identifier
from cortex_provider.sql.rows import Reader, Row
from cortex_provider.sql.statement import Statement

IMPORTED_KIND = "IMPORTED DATABASE"
REVOKED_ORIGIN = "<revoked>"


@dataclass(frozen=True)
class ShareRef:
    """A provider's share as a consumer names it: `ORG.ACCOUNT.SHARE` (preferred) or `ACCOUNT.SHARE`."""

    provider: AccountName
    share: Identifier

    @classmethod
    def parse(cls, text: object, field: str = "share_ref") -> ShareRef:
        fix = (
            "give the provider's share as ORG.ACCOUNT.SHARE (the provider stack exports it as "
            "`share:<NAME>`), e.g. MYORG.PRIMARY.SUPPORT_MODELS"
        )
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(field, f"{text!r} is not a share reference", fix)
        account_text, _, share_text = text.strip().rpartition(".")
        if not account_text:
            raise InvalidInput(field, f"{text!r} names no provider account", fix)
        try:
            return cls(AccountName.parse(account_text, field), Identifier.parse(share_text, field))
        except InvalidIdentifier as exc:
            raise InvalidInput(field, f"{text!r} is not a share reference ({exc.problem})", fix) from None

    def sql(self) -> str:
        return f"{self.provider.sql()}.{self.share.sql()}"

    def same_as(self, other: ShareRef) -> bool:
        """Equal shares; a reference without organisation matches any organisation's account."""
        orgs_known = self.provider.org is not None and other.provider.org is not None
        return (
            self.share == other.share
            and self.provider.account == other.provider.account
            and (not orgs_known or self.provider.org == other.provider.org)
        )


@dataclass(frozen=True)
class GrantImportedPrivileges(Statement):
    kind: ClassVar[str] = "GRANT IMPORTED PRIVILEGES"
    database: Identifier
    role: Identifier

    def sql(self) -> str:
        return f"GRANT IMPORTED PRIVILEGES ON DATABASE {self.database.sql()} TO ROLE {self.role.sql()}"


@dataclass(frozen=True)
class RevokeImportedPrivileges(Statement):
    kind: ClassVar[str] = "REVOKE IMPORTED PRIVILEGES"
    database: Identifier
    role: Identifier

    def sql(self) -> str:
        return f"REVOKE IMPORTED PRIVILEGES ON DATABASE {self.database.sql()} FROM ROLE {self.role.sql()}"


@dataclass(frozen=True)
class ShowDatabases(Statement):
    kind: ClassVar[str] = "SHOW DATABASES"
    like: Identifier

    def sql(self) -> str:
        return clauses.show("DATABASES", self.like)


@dataclass(frozen=True)
class ShowModelsInDatabase(Statement):
    kind: ClassVar[str] = "SHOW MODELS"
    database: Identifier

    def sql(self) -> str:
        return clauses.show("MODELS", scope=clauses.in_database(self.database))


@dataclass(frozen=True)
class DropDatabase(Statement):
    """DROP DATABASE IF EXISTS d (for a database created from a share: only the consumer's mount)."""

    kind: ClassVar[str] = "DROP DATABASE"
    database: Identifier

    def sql(self) -> str:
        return clauses.drop("DATABASE", self.database)


@dataclass(frozen=True)
class DatabaseInfo:
    name: str
    kind: str
    origin: str
    owner: str | None = None
    comment: str | None = None

    @property
    def imported(self) -> bool:
        return self.kind.upper() == IMPORTED_KIND

    @property
    def revoked(self) -> bool:
        return self.imported and self.origin == REVOKED_ORIGIN

    def share(self) -> ShareRef | None:
        """The share an imported, still available database mounts."""
        if not self.imported or self.revoked or not self.origin:
            return None
        try:
            return ShareRef.parse(self.origin, "origin")
        except InvalidInput:
            return None


def parse_databases(rows: Iterable[Row]) -> list[DatabaseInfo]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW DATABASES")
        out.append(
            DatabaseInfo(
                name=r.text("name"),
                kind=(r.opt_text("kind") or "STANDARD").upper(),
                origin=r.opt_text("origin") or "",
                owner=r.opt_text("owner"),
                comment=r.opt_text("comment"),
            )
        )
    return out
