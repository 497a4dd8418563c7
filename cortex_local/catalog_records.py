"""Plain records the catalog stores per account (users, roles, grants, models).

Names are resolved identifiers (see idents.norm); object names in grants are the fully qualified
display form (idents.qualified), e.g. `DB.S.M`, `SNOWFLAKE.CORTEX_USER`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

ORG_NAME = "LOCALORG"
ACCOUNTADMIN, SYSADMIN, PUBLIC = "ACCOUNTADMIN", "SYSADMIN", "PUBLIC"
BUILTIN_ROLES = (ACCOUNTADMIN, SYSADMIN, PUBLIC)
CORTEX_USER = "SNOWFLAKE.CORTEX_USER"  # the database role, as it appears in grants


def now() -> str:
    """Timestamps are stored as ISO-8601 UTC strings (JSON-friendly)."""
    return datetime.now(UTC).isoformat()


def hash_password(password: str, salt: str | None = None) -> tuple[str, str]:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 10_000).hex()
    return salt, digest


@dataclass
class UserRec:
    name: str
    password_salt: str
    password_hash: str
    default_role: str | None = None
    owner: str = ACCOUNTADMIN
    comment: str | None = None
    created_on: str = field(default_factory=now)

    def check_password(self, password: str) -> bool:
        return secrets.compare_digest(hash_password(password, self.password_salt)[1], self.password_hash)


@dataclass
class RoleRec:
    name: str
    owner: str | None = None
    comment: str | None = None
    created_on: str = field(default_factory=now)


@dataclass
class GrantRec:
    """One row of SHOW GRANTS. Role membership is privilege USAGE granted_on ROLE name R;
    the Cortex database role is USAGE granted_on DATABASE_ROLE name SNOWFLAKE.CORTEX_USER."""

    privilege: str
    granted_on: str  # ACCOUNT DATABASE SCHEMA TABLE VIEW MODEL ROLE DATABASE_ROLE
    name: str
    grantee_type: str  # ROLE | USER
    grantee: str
    granted_by: str | None = None
    grant_option: bool = False
    created_on: str = field(default_factory=now)

    def key(self) -> tuple[str, str, str, str, str]:
        return (self.privilege, self.granted_on, self.name, self.grantee_type, self.grantee)


@dataclass
class ModelRec:
    """A MODEL object (a Cortex fine-tuned model). `adapter_path` is deleted by DROP MODEL."""

    database: str
    schema: str
    name: str
    owner: str
    base_model: str
    backing_model: str | None = None
    adapter_path: str | None = None
    job_id: str | None = None
    comment: str | None = None
    model_type: str = "CORTEX_FINETUNED"
    created_on: str = field(default_factory=now)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        from cortex_local.idents import qualified

        return qualified(self.database, self.schema, self.name)


@dataclass
class ViewRec:
    """What GET_DDL('VIEW') needs: the CREATE text as written; and the COMMENT SHOW VIEWS returns."""

    database: str
    schema: str
    name: str
    ddl: str
    comment: str | None = None


@dataclass
class AccountRec:
    name: str
    created_on: str = field(default_factory=now)
    users: dict[str, UserRec] = field(default_factory=dict)
    roles: dict[str, RoleRec] = field(default_factory=dict)
    grants: list[GrantRec] = field(default_factory=list)
    # "TYPE qualified-name" -> owning role, for objects created through SQL (DATABASE, SCHEMA, TABLE, VIEW)
    owners: dict[str, str] = field(default_factory=dict)
    models: dict[str, ModelRec] = field(default_factory=dict)  # key: qualified name
    views: dict[str, ViewRec] = field(default_factory=dict)  # key: qualified name
    extra: dict[str, Any] = field(default_factory=dict)  # free space for other parts (e.g. cortex)

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready values that share the live fields (serialize it under the catalog's
        lock). Not dataclasses.asdict: its deep copy of every record took half the time of each save.
        Roles and grants, the two that grow with a large account, are rows of their fields in order
        (ROLE_FIELDS, GRANT_FIELDS): JSON without a key per field encodes ~2.5x faster."""
        out = dict(vars(self))
        for name in ("users", "models", "views"):
            out[name] = {k: vars(v) for k, v in out[name].items()}
        role_row, grant_row = attrgetter(*ROLE_FIELDS), attrgetter(*GRANT_FIELDS)  # tuples: JSON arrays
        out["roles"] = {k: role_row(r) for k, r in self.roles.items()}
        out["grants"] = [grant_row(g) for g in self.grants]
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AccountRec:
        return cls(
            name=d["name"],
            created_on=d["created_on"],
            users={k: UserRec(**v) for k, v in d["users"].items()},
            roles={k: RoleRec(*v) if isinstance(v, list) else RoleRec(**v) for k, v in d["roles"].items()},
            grants=[GrantRec(*g) if isinstance(g, list) else GrantRec(**g) for g in d["grants"]],
            owners=dict(d["owners"]),
            models={k: ModelRec(**v) for k, v in d["models"].items()},
            views={k: ViewRec(**v) for k, v in d.get("views", {}).items()},
            extra=dict(d.get("extra", {})),
        )


# the order of a role's and a grant's fields in the catalog file (AccountRec.to_json); catalogs written
# with a key per field still load
ROLE_FIELDS = tuple(f.name for f in fields(RoleRec))
GRANT_FIELDS = tuple(f.name for f in fields(GrantRec))
