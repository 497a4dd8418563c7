"""CortexUserGrant and ModelUsageGrant: one privilege each, granted to a role.

Ownership rule (shared with ModelCreatorGrant): a grant that already existed when the resource
was created is recorded as `preexisting` and left in place on delete, so removing the resource
never takes away access someone else set up; a grant this resource added is revoked on delete.
An import (read with only an id) takes the live grant under management (`preexisting=False`).

Reads go through grant_cache (one SHOW per object per run); a grant revoked by hand reads as
gone (None), so refresh drops it and the next `up` grants it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources import grant_cache as cache
from cortex_provider.resources.base import Applied, ResourceCore
from cortex_provider.resources.names import ident, join_id, qualified, split_id, to_ident, to_qualified
from cortex_provider.resources.ownership import left_in_place, log_release
from cortex_provider.session import Session
from cortex_provider.sql.grants import (
    CORTEX_USER,
    GrantDatabaseRole,
    Grantee,
    GranteeType,
    GrantPrivilege,
    GrantTarget,
    Privilege,
    RevokeDatabaseRole,
    RevokePrivilege,
)
from cortex_provider.sql.identifiers import Identifier, SchemaName
from cortex_provider.sql.parse_show import GrantRow, grantee_matches
from cortex_provider.sql.statement import Statement


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def holds(rows: list[GrantRow] | None, privilege: Privilege, target: GrantTarget, role: Identifier) -> bool:
    return any(r.grants(privilege.value, target, GranteeType.ROLE.value, role) for r in rows or [])


def revoke_quietly(session: Session, stmt: Statement, *scopes: Any) -> None:
    """Revoke; an object or role that no longer exists means the grant is already gone."""
    try:
        cache.write(session, stmt, *scopes)
    except SnowflakeStatementError as exc:
        if not cache.is_missing(exc):
            raise


# -- CortexUserGrant -----------------------------------------------------------------------------
class CortexUserGrantSpec(_Spec):
    role: str

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        return ident(v, "role")


class CortexUserGrantCore(ResourceCore[CortexUserGrantSpec]):
    """GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE <role>. Id: the role (`ML_ENGINEER`)."""

    kind = "CortexUserGrant"
    spec_type = CortexUserGrantSpec
    replace_on = frozenset({"role"})

    def _held(self, session: Session, role: Identifier) -> bool:
        return any(
            r.granted_to.upper() == GranteeType.ROLE.value and grantee_matches(r.grantee_name, role)
            for r in cache.cortex_user_grants(session)
        )

    def _outputs(self, role: str, preexisting: bool) -> dict[str, Any]:
        return {"role": role, "database_role": CORTEX_USER.sql(), "preexisting": preexisting}

    def create(self, session: Session, spec: CortexUserGrantSpec) -> Applied:
        role = to_ident(spec.role)
        preexisting = self._held(session, role)
        if not preexisting:  # the row SHOW GRANTS OF DATABASE ROLE now lists for it
            row = {"ROLE": CORTEX_USER.sql(), "GRANTED_TO": GranteeType.ROLE.value, "GRANTEE_NAME": role.name}
            cache.write_adding(session, GrantDatabaseRole(role), cache.CORTEX_USER_SCOPE, row)
        return Applied(spec.role, self._outputs(spec.role, preexisting))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        role = props.get("role") or split_id(id_, 1, self.kind, "ROLE")[0]
        if not self._held(session, to_ident(role)):
            return None
        return Applied(role, self._outputs(role, bool(props.get("preexisting", False))))

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        role = props.get("role") or id_
        if props.get("preexisting"):
            log_release(left_in_place(self.kind, str(role), [CORTEX_USER.sql()]))
            return
        revoke_quietly(session, RevokeDatabaseRole(to_ident(role)), cache.CORTEX_USER_SCOPE)


# -- ModelUsageGrant -----------------------------------------------------------------------------
class ModelUsageGrantSpec(BaseModel):
    """`model` fully qualified (DB.SCHEMA.MODEL), or bare with `database` and `schema`."""

    model_config = ConfigDict(extra="forbid")

    role: str
    database: str | None = None
    schema_: str | None = Field(None, alias="schema")
    model: str

    @field_validator("role", "database")
    @classmethod
    def _ident(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else ident(v, str(info.field_name))

    @field_validator("schema_")
    @classmethod
    def _schema(cls, v: str | None) -> str | None:
        return None if v is None else ident(v, "schema")

    @field_validator("model")
    @classmethod
    def _model(cls, v: str, info: ValidationInfo) -> str:
        db, schema = info.data.get("database"), info.data.get("schema_")
        default = SchemaName(to_ident(db), to_ident(schema)) if db and schema else None
        full = qualified(v, "model", default)
        for part, given, name in ((full.database, db, "database"), (full.schema, schema, "schema")):
            if given is not None and part is not None and part.sql() != given:
                raise ValueError(
                    f"{v!r} names {name} {part.sql()} but {name} = {given}. "
                    f"Fix: drop `{name}` or make the two agree"
                )
        return full.sql()

    @model_validator(mode="after")
    def _fill_parts(self) -> ModelUsageGrantSpec:
        q = to_qualified(self.model)
        assert q.database is not None and q.schema is not None
        self.database, self.schema_ = q.database.sql(), q.schema.sql()
        return self


class ModelUsageGrantCore(ResourceCore[ModelUsageGrantSpec]):
    """GRANT USAGE ON MODEL <db.s.m> TO ROLE <role>. Id: `ROLE|DB.SCHEMA.MODEL`."""

    kind = "ModelUsageGrant"
    spec_type = ModelUsageGrantSpec
    replace_on = frozenset({"role", "model", "database", "schema"})

    def _outputs(self, role: str, model: str, preexisting: bool) -> dict[str, Any]:
        q = to_qualified(model)
        assert q.database is not None and q.schema is not None
        return {
            "role": role,
            "model": model,
            "database": q.database.sql(),
            "schema": q.schema.sql(),
            "preexisting": preexisting,
        }

    def create(self, session: Session, spec: ModelUsageGrantSpec) -> Applied:
        role, target = to_ident(spec.role), GrantTarget.model(to_qualified(spec.model))
        preexisting = holds(cache.grants_on(session, target), Privilege.USAGE, target, role)
        if not preexisting:
            stmt = GrantPrivilege(Privilege.USAGE, target, Grantee.role(role))
            cache.write(session, stmt, cache.grants_scope(target))
        return Applied(join_id(spec.role, spec.model), self._outputs(spec.role, spec.model, preexisting))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        role, model = split_id(id_, 2, self.kind, "ROLE|DB.SCHEMA.MODEL")
        target = GrantTarget.model(to_qualified(model))
        if not holds(cache.grants_on(session, target), Privilege.USAGE, target, to_ident(role)):
            return None
        return Applied(id_, self._outputs(role, model, bool(props.get("preexisting", False))))

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        if props.get("preexisting"):
            log_release(left_in_place(self.kind, id_, ["USAGE ON MODEL"]))
            return
        role, model = split_id(id_, 2, self.kind, "ROLE|DB.SCHEMA.MODEL")
        target = GrantTarget.model(to_qualified(model))
        stmt = RevokePrivilege(Privilege.USAGE, target, Grantee.role(to_ident(role)))
        revoke_quietly(session, stmt, cache.grants_scope(target))
