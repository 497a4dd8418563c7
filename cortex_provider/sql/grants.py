"""GRANT / REVOKE / SHOW GRANTS builders for the privileges Cortex fine-tuning needs.

Supported combinations (checked at construction):
- DATABASE ROLE SNOWFLAKE.CORTEX_USER to/from a ROLE;
- USAGE on DATABASE / SCHEMA / MODEL, CREATE MODEL on SCHEMA, to/from a ROLE;
- USAGE on DATABASE / SCHEMA / MODEL to/from a SHARE (CREATE MODEL cannot go to a share).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement


class Privilege(StrEnum):
    USAGE = "USAGE"
    CREATE_MODEL = "CREATE MODEL"


class ObjectType(StrEnum):
    """Values of SHOW GRANTS' `granted_on` column for the objects we grant on."""

    DATABASE = "DATABASE"
    SCHEMA = "SCHEMA"
    MODEL = "MODEL"
    DATABASE_ROLE = "DATABASE_ROLE"


class GranteeType(StrEnum):
    """Values of SHOW GRANTS' `granted_to` column."""

    ROLE = "ROLE"
    SHARE = "SHARE"


@dataclass(frozen=True)
class DatabaseRoleName:
    database: Identifier
    name: Identifier

    def sql(self) -> str:
        return f"{self.database.sql()}.{self.name.sql()}"


CORTEX_USER = DatabaseRoleName(Identifier("SNOWFLAKE"), Identifier("CORTEX_USER"))


@dataclass(frozen=True)
class GrantTarget:
    """The object of a privilege: ON DATABASE d | ON SCHEMA d.s | ON MODEL d.s.m."""

    object_type: ObjectType
    name: Identifier | SchemaName | QualifiedName

    @classmethod
    def database(cls, name: Identifier) -> GrantTarget:
        return cls(ObjectType.DATABASE, name)

    @classmethod
    def schema(cls, name: SchemaName) -> GrantTarget:
        return cls(ObjectType.SCHEMA, name)

    @classmethod
    def model(cls, name: QualifiedName) -> GrantTarget:
        return cls(ObjectType.MODEL, name.full("model"))

    def __post_init__(self) -> None:
        expected = {
            ObjectType.DATABASE: Identifier,
            ObjectType.SCHEMA: SchemaName,
            ObjectType.MODEL: QualifiedName,
        }.get(self.object_type)
        if expected is None or not isinstance(self.name, expected):
            raise InvalidInput(
                "on",
                f"{self.object_type.value} needs a {getattr(expected, '__name__', '?')}",
                "use GrantTarget.database/schema/model",
            )
        if isinstance(self.name, QualifiedName):
            self.name.full("model")

    def sql(self) -> str:
        return f"{self.object_type.value} {self.name.sql()}"


@dataclass(frozen=True)
class Grantee:
    """TO/FROM ROLE r | SHARE s."""

    grantee_type: GranteeType
    name: Identifier

    @classmethod
    def role(cls, name: Identifier) -> Grantee:
        return cls(GranteeType.ROLE, name)

    @classmethod
    def share(cls, name: Identifier) -> Grantee:
        return cls(GranteeType.SHARE, name)

    def sql(self) -> str:
        return f"{self.grantee_type.value} {self.name.sql()}"


@dataclass(frozen=True)
class GrantDatabaseRole(Statement):
    """GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE r."""

    kind: ClassVar[str] = "GRANT DATABASE ROLE"
    role: Identifier
    database_role: DatabaseRoleName = CORTEX_USER

    def sql(self) -> str:
        return f"GRANT DATABASE ROLE {self.database_role.sql()} TO ROLE {self.role.sql()}"


@dataclass(frozen=True)
class RevokeDatabaseRole(Statement):
    """REVOKE DATABASE ROLE SNOWFLAKE.CORTEX_USER FROM ROLE r."""

    kind: ClassVar[str] = "REVOKE DATABASE ROLE"
    role: Identifier
    database_role: DatabaseRoleName = CORTEX_USER

    def sql(self) -> str:
        return f"REVOKE DATABASE ROLE {self.database_role.sql()} FROM ROLE {self.role.sql()}"


def _check_combo(privilege: Privilege, on: GrantTarget, to: Grantee) -> None:
    if privilege is Privilege.CREATE_MODEL and on.object_type is not ObjectType.SCHEMA:
        raise InvalidInput("privilege", "CREATE MODEL can only be granted ON SCHEMA", "grant it on a schema")
    if privilege is Privilege.CREATE_MODEL and to.grantee_type is GranteeType.SHARE:
        raise InvalidInput("privilege", "a share can only receive USAGE", "grant USAGE to the share")


@dataclass(frozen=True)
class GrantPrivilege(Statement):
    """GRANT <privilege> ON <target> TO ROLE|SHARE <grantee>."""

    kind: ClassVar[str] = "GRANT"
    privilege: Privilege
    on: GrantTarget
    to: Grantee

    def __post_init__(self) -> None:
        _check_combo(self.privilege, self.on, self.to)

    def sql(self) -> str:
        return f"GRANT {self.privilege.value} ON {self.on.sql()} TO {self.to.sql()}"


@dataclass(frozen=True)
class RevokePrivilege(Statement):
    """REVOKE <privilege> ON <target> FROM ROLE|SHARE <grantee>."""

    kind: ClassVar[str] = "REVOKE"
    privilege: Privilege
    on: GrantTarget
    frm: Grantee

    def __post_init__(self) -> None:
        _check_combo(self.privilege, self.on, self.frm)

    def sql(self) -> str:
        return f"REVOKE {self.privilege.value} ON {self.on.sql()} FROM {self.frm.sql()}"


@dataclass(frozen=True)
class ShowGrants(Statement):
    """SHOW GRANTS TO ROLE r | ON <target> | OF DATABASE ROLE d.r | TO SHARE s (exactly one)."""

    kind: ClassVar[str] = "SHOW GRANTS"
    to_role: Identifier | None = None
    to_share: Identifier | None = None
    on: GrantTarget | None = None
    of_database_role: DatabaseRoleName | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.to_role, self.to_share, self.on, self.of_database_role) if x is not None]
        if len(given) != 1:
            raise InvalidInput(
                "show grants",
                f"{len(given)} forms given",
                "set exactly one of to_role, to_share, on, of_database_role",
            )

    def sql(self) -> str:
        if self.to_role is not None:
            return f"SHOW GRANTS TO ROLE {self.to_role.sql()}"
        if self.to_share is not None:
            return f"SHOW GRANTS TO SHARE {self.to_share.sql()}"
        if self.on is not None:
            return f"SHOW GRANTS ON {self.on.sql()}"
        assert self.of_database_role is not None
        return f"SHOW GRANTS OF DATABASE ROLE {self.of_database_role.sql()}"
