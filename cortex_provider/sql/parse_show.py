"""SHOW output -> dataclasses, by documented column name (never position).

SHOW GRANTS has two documented shapes: TO ROLE / ON <object> / TO SHARE rows carry
`privilege, granted_on, name, granted_to, grantee_name, grant_option, granted_by`; OF ROLE /
OF DATABASE ROLE rows carry `role, granted_to, grantee_name, granted_by` (the grant of the role
itself), which we map to privilege USAGE on the (database) role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from cortex_provider.errors import InvalidIdentifier
from cortex_provider.sql.grants import GrantTarget, ObjectType
from cortex_provider.sql.identifiers import Identifier, QualifiedName
from cortex_provider.sql.rows import Reader, Row

T = TypeVar("T")


@dataclass(frozen=True)
class GrantRow:
    privilege: str
    granted_on: str
    name: str
    granted_to: str
    grantee_name: str
    grant_option: bool = False
    granted_by: str | None = None
    created_on: datetime | str | None = None

    def is_on(self, target: GrantTarget) -> bool:
        """Does `name`/`granted_on` denote `target`? Compares canonical rendered names."""
        return (
            self.granted_on.upper() == target.object_type.value
            and canonical_name(self.name) == target.name.sql()
        )

    def grants(self, privilege: str, target: GrantTarget, grantee_type: str, grantee: Identifier) -> bool:
        return (
            self.privilege.upper() == privilege.upper()
            and self.is_on(target)
            and self.granted_to.upper() == grantee_type.upper()
            and grantee_matches(self.grantee_name, grantee)
        )


def canonical_name(printed: str) -> str:
    """SHOW prints `DB."my schema".M` (quotes where needed); render it the way our builders do."""
    try:
        return (
            QualifiedName.parse(printed).sql()
            if printed.count(".") or printed.startswith('"')
            else (Identifier.of(printed).sql())
        )
    except InvalidIdentifier:
        return printed


def grantee_matches(printed: str, grantee: Identifier) -> bool:
    """grantee_name is the resolved name (share grantees may be account-qualified: ACCT.SHARE)."""
    if printed == grantee.name or printed.strip('"') == grantee.name:
        return True
    return printed.rsplit(".", 1)[-1].strip('"') == grantee.name


def parse_grants(rows: Iterable[Row]) -> list[GrantRow]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW GRANTS")
        if r.has("privilege"):
            out.append(
                GrantRow(
                    privilege=r.text("privilege"),
                    granted_on=r.text("granted_on"),
                    name=r.text("name"),
                    granted_to=r.text("granted_to"),
                    grantee_name=r.text("grantee_name"),
                    grant_option=r.flag("grant_option"),
                    granted_by=r.opt_text("granted_by"),
                    created_on=r.time("created_on"),
                )
            )
        else:  # SHOW GRANTS OF [DATABASE] ROLE
            role = r.text("role")
            out.append(
                GrantRow(
                    privilege="USAGE",
                    granted_on=ObjectType.DATABASE_ROLE.value if "." in role else "ROLE",
                    name=role,
                    granted_to=r.text("granted_to"),
                    grantee_name=r.text("grantee_name"),
                    granted_by=r.opt_text("granted_by"),
                    created_on=r.time("created_on"),
                )
            )
    return out


@dataclass(frozen=True)
class ViewInfo:
    name: str
    database: str
    schema: str
    text: str
    comment: str | None = None
    is_secure: bool = False
    owner: str | None = None
    created_on: datetime | str | None = None

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName.of(self.database, self.schema, self.name)


def parse_views(rows: Iterable[Row]) -> list[ViewInfo]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW VIEWS")
        out.append(
            ViewInfo(
                name=r.text("name"),
                database=r.text("database_name"),
                schema=r.text("schema_name"),
                text=r.text("text", required=False),
                comment=r.opt_text("comment"),
                is_secure=r.flag("is_secure"),
                owner=r.opt_text("owner"),
                created_on=r.time("created_on"),
            )
        )
    return out


@dataclass(frozen=True)
class ModelInfo:
    name: str
    database: str
    schema: str
    model_type: str | None = None
    comment: str | None = None
    owner: str | None = None
    default_version_name: str | None = None
    versions: list[str] = field(default_factory=list)
    aliases: dict[str, Any] = field(default_factory=dict)
    created_on: datetime | str | None = None

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName.of(self.database, self.schema, self.name)


def parse_models(rows: Iterable[Row]) -> list[ModelInfo]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW MODELS")
        aliases = r.as_json("aliases")
        out.append(
            ModelInfo(
                name=r.text("name"),
                database=r.text("database_name"),
                schema=r.text("schema_name"),
                model_type=r.opt_text("model_type"),
                comment=r.opt_text("comment"),
                owner=r.opt_text("owner"),
                default_version_name=r.opt_text("default_version_name"),
                versions=r.items("versions"),
                aliases=aliases if isinstance(aliases, dict) else {},
                created_on=r.time("created_on"),
            )
        )
    return out


@dataclass(frozen=True)
class ShareInfo:
    kind: str  # OUTBOUND | INBOUND
    name: str
    owner_account: str | None
    database_name: str | None
    to: list[str]
    owner: str | None = None
    comment: str | None = None
    created_on: datetime | str | None = None


def parse_shares(rows: Iterable[Row]) -> list[ShareInfo]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW SHARES")
        name, owner_account = r.text("name"), r.opt_text("owner_account")
        if owner_account is None and "." in name:  # pre-2023_05 shape: NAME was ORG.ACCOUNT.SHARE
            owner_account, name = name.rsplit(".", 1)
        out.append(
            ShareInfo(
                kind=r.text("kind").upper(),
                name=name,
                owner_account=owner_account,
                database_name=r.opt_text("database_name"),
                to=r.items("to"),
                owner=r.opt_text("owner"),
                comment=r.opt_text("comment"),
                created_on=r.time("created_on"),
            )
        )
    return out


@dataclass(frozen=True)
class ReplicationGroupInfo:
    name: str
    type: str
    is_primary: bool
    primary: str | None
    object_types: list[str]
    allowed_accounts: list[str]
    organization_name: str | None = None
    account_name: str | None = None
    snowflake_region: str | None = None
    replication_schedule: str | None = None
    secondary_state: str | None = None
    owner: str | None = None
    created_on: datetime | str | None = None


def parse_replication_groups(rows: Iterable[Row]) -> list[ReplicationGroupInfo]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW REPLICATION GROUPS")
        out.append(
            ReplicationGroupInfo(
                name=r.text("name"),
                type=r.text("type", required=False).upper(),
                is_primary=r.flag("is_primary"),
                primary=r.opt_text("primary"),
                object_types=[t.upper() for t in r.items("object_types")],
                allowed_accounts=[a.upper() for a in r.items("allowed_accounts")],
                organization_name=r.opt_text("organization_name"),
                account_name=r.opt_text("account_name"),
                snowflake_region=r.opt_text("snowflake_region"),
                replication_schedule=r.opt_text("replication_schedule"),
                secondary_state=r.opt_text("secondary_state"),
                owner=r.opt_text("owner"),
                created_on=r.time("created_on"),
            )
        )
    return out


def parse_database_names(rows: Iterable[Row]) -> list[str]:
    """`name` column of SHOW DATABASES [IN REPLICATION GROUP g]."""
    return [Reader(row, "SHOW DATABASES").text("name") for row in rows]


def named(items: Iterable[T], name: Identifier) -> list[T]:
    """Keep the SHOW rows whose `name` is exactly `name` (SHOW ... LIKE matches case-insensitively)."""
    return [item for item in items if getattr(item, "name", None) == name.name]
