"""The admin statements that set up a least-privilege deployer role (cortex_provider/deployer): each a
validated builder over identifiers, as every statement the provider sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement

ACCOUNT_PRIVILEGES = frozenset({"MANAGE GRANTS", "CREATE SHARE", "CREATE REPLICATION GROUP", "USE AI FUNCTIONS"})
SCHEMA_PRIVILEGES = frozenset({"USAGE", "CREATE VIEW", "CREATE MODEL", "CREATE FUNCTION", "CREATE TABLE"})


@dataclass(frozen=True)
class CreateRole(Statement):
    kind: ClassVar[str] = "CREATE ROLE"
    role: Identifier

    def sql(self) -> str:
        return f"CREATE ROLE IF NOT EXISTS {self.role.sql()}"


@dataclass(frozen=True)
class GrantRoleTo(Statement):
    """GRANT ROLE r TO USER u | ROLE p."""

    kind: ClassVar[str] = "GRANT ROLE"
    role: Identifier
    grantee: Identifier
    to_user: bool = True

    def sql(self) -> str:
        return f"GRANT ROLE {self.role.sql()} TO {'USER' if self.to_user else 'ROLE'} {self.grantee.sql()}"


@dataclass(frozen=True)
class GrantOnAccount(Statement):
    kind: ClassVar[str] = "GRANT ON ACCOUNT"
    privilege: str
    role: Identifier
    grant_option: bool = False

    def __post_init__(self) -> None:
        if self.privilege not in ACCOUNT_PRIVILEGES:
            raise InvalidInput("privilege", f"{self.privilege!r} is no account privilege the deployer needs",
                               f"use one of {sorted(ACCOUNT_PRIVILEGES)}")

    def sql(self) -> str:
        option = " WITH GRANT OPTION" if self.grant_option else ""
        return f"GRANT {self.privilege} ON ACCOUNT TO ROLE {self.role.sql()}{option}"


@dataclass(frozen=True)
class GrantOnObject(Statement):
    """GRANT USAGE ON DATABASE d | <schema privilege> ON SCHEMA d.s | SELECT ON TABLE d.s.t TO ROLE r."""

    kind: ClassVar[str] = "GRANT"
    privilege: str
    on: Identifier | SchemaName | QualifiedName
    role: Identifier

    def __post_init__(self) -> None:
        allowed = {Identifier: {"USAGE"}, SchemaName: SCHEMA_PRIVILEGES, QualifiedName: {"SELECT"}}[type(self.on)]
        if self.privilege not in allowed:
            raise InvalidInput("privilege", f"{self.privilege!r} on {self.object_type}",
                               f"use one of {sorted(allowed)}")

    @property
    def object_type(self) -> str:
        return {Identifier: "DATABASE", SchemaName: "SCHEMA", QualifiedName: "TABLE"}[type(self.on)]

    def sql(self) -> str:
        return f"GRANT {self.privilege} ON {self.object_type} {self.on.sql()} TO ROLE {self.role.sql()}"


@dataclass(frozen=True)
class GrantPublicGrantAdmin(Statement):
    """GRANT APPLICATION ROLE SNOWFLAKE.SNOWFLAKE_PUBLIC_GRANT_ADMIN TO ROLE r: may call
    SNOWFLAKE.LOCAL.REVOKE_FROM/GRANT_TO_PUBLIC_APPLICATION_ROLE."""

    kind: ClassVar[str] = "GRANT APPLICATION ROLE"
    role: Identifier

    def sql(self) -> str:
        return f"GRANT APPLICATION ROLE SNOWFLAKE.SNOWFLAKE_PUBLIC_GRANT_ADMIN TO ROLE {self.role.sql()}"


@dataclass(frozen=True)
class GrantOwnershipTo(Statement):
    """GRANT OWNERSHIP ON MODEL|VIEW d.s.n TO ROLE r COPY CURRENT GRANTS: hands an object to another role
    and keeps the grants others hold on it (docs.snowflake.com/en/sql-reference/sql/grant-ownership)."""

    kind: ClassVar[str] = "GRANT OWNERSHIP"
    object_kind: str
    name: QualifiedName
    role: Identifier

    def __post_init__(self) -> None:
        if self.object_kind not in ("MODEL", "VIEW"):
            raise InvalidInput("object_kind", f"{self.object_kind!r}", "use MODEL or VIEW")

    def sql(self) -> str:
        return (f"GRANT OWNERSHIP ON {self.object_kind} {self.name.sql()} TO ROLE {self.role.sql()} "
                "COPY CURRENT GRANTS")
