"""ModelCreatorGrant: what a role needs to create fine-tuned models in a schema.

Per the Cortex fine-tuning docs: USAGE on the database, USAGE and CREATE MODEL on the schema.
Privileges the role already held when the resource was created (granted from outside) are not
taken over: `managed_privileges` lists only those this resource granted, and delete revokes
exactly those. Privileges granted later by `update` (to repair drift) become managed. An import
(read with only an id) manages every one of the three the role holds.

A refresh reports privileges revoked by hand in `missing_privileges`; a non-empty list makes
`diff` plan an update that grants them again. When none of the three is held any more, read
returns None (the grant is gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cortex_provider.resources import grant_cache as cache
from cortex_provider.resources.base import Applied, Diff, ResourceCore
from cortex_provider.resources.grants import holds, revoke_quietly
from cortex_provider.resources.names import ident, join_id, split_id, to_ident, to_schema
from cortex_provider.resources.ownership import left_in_place, log_release
from cortex_provider.session import Session
from cortex_provider.sql.grants import Grantee, GrantPrivilege, GrantTarget, Privilege, RevokePrivilege
from cortex_provider.sql.identifiers import Identifier, SchemaName

USAGE_DATABASE = "USAGE ON DATABASE"
USAGE_SCHEMA = "USAGE ON SCHEMA"
CREATE_MODEL = "CREATE MODEL ON SCHEMA"
PRIVILEGES = (USAGE_DATABASE, USAGE_SCHEMA, CREATE_MODEL)


class ModelCreatorGrantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    database: str
    schema_: str = Field(alias="schema")

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        return ident(v, "role")

    @field_validator("database")
    @classmethod
    def _database(cls, v: str) -> str:
        return ident(v, "database")

    @field_validator("schema_")
    @classmethod
    def _schema(cls, v: str) -> str:
        return ident(v, "schema")


def _parts(privilege: str, schema: SchemaName) -> tuple[Privilege, GrantTarget]:
    if privilege == USAGE_DATABASE:
        return Privilege.USAGE, GrantTarget.database(schema.database)
    if privilege == USAGE_SCHEMA:
        return Privilege.USAGE, GrantTarget.schema(schema)
    return Privilege.CREATE_MODEL, GrantTarget.schema(schema)


class ModelCreatorGrantCore(ResourceCore[ModelCreatorGrantSpec]):
    """Id: `ROLE|DB.SCHEMA`."""

    kind = "ModelCreatorGrant"
    spec_type = ModelCreatorGrantSpec
    replace_on = frozenset({"role", "database", "schema"})

    def held(self, session: Session, role: Identifier, schema: SchemaName) -> list[str]:
        """Which of the three the role holds: one SHOW per database and per schema (cached)."""
        db_target, schema_target = GrantTarget.database(schema.database), GrantTarget.schema(schema)
        on_db = cache.grants_on(session, db_target)
        on_schema = cache.grants_on(session, schema_target) if on_db is not None else None
        found = []
        for privilege in PRIVILEGES:
            priv, target = _parts(privilege, schema)
            rows = on_db if target.object_type is db_target.object_type else on_schema
            if holds(rows, priv, target, role):
                found.append(privilege)
        return found

    def _grant(self, session: Session, role: Identifier, schema: SchemaName, privileges: list[str]) -> None:
        for privilege in privileges:
            priv, target = _parts(privilege, schema)
            stmt = GrantPrivilege(priv, target, Grantee.role(role))
            cache.write(session, stmt, cache.grants_scope(target))

    @staticmethod
    def _outputs(role: str, schema: SchemaName, managed: list[str], missing: list[str]) -> dict[str, Any]:
        return {
            "role": role,
            "database": schema.database.sql(),
            "schema": schema.schema.sql(),
            "managed_privileges": [p for p in PRIVILEGES if p in managed],
            "missing_privileges": [p for p in PRIVILEGES if p in missing],
        }

    def create(self, session: Session, spec: ModelCreatorGrantSpec) -> Applied:
        role, schema = to_ident(spec.role), to_schema(spec.database, spec.schema_)
        held = self.held(session, role, schema)
        added = [p for p in PRIVILEGES if p not in held]
        self._grant(session, role, schema, added)
        return Applied(join_id(spec.role, schema.sql()), self._outputs(spec.role, schema, added, []))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        role, schema_text = split_id(id_, 2, self.kind, "ROLE|DB.SCHEMA")
        schema = SchemaName.parse(schema_text, "id")
        held = self.held(session, to_ident(role), schema)
        if not held:
            return None
        imported = "managed_privileges" not in props
        managed = held if imported else list(props.get("managed_privileges") or [])
        missing = [p for p in PRIVILEGES if p not in held]
        return Applied(id_, self._outputs(role, schema, managed, missing))

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        """Replacements delete first: old and new may share a privilege (USAGE on the same
        database); created first, the new one would find it held, not manage it, and lose it when
        the old one is deleted."""
        base = super().diff(id_, olds, news)
        changed = list(base.changed)
        if olds.get("missing_privileges") and "missing_privileges" not in changed:
            changed.append("missing_privileges")
        return Diff(changed, base.replaces, delete_before_replace=bool(base.replaces))

    def update(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: ModelCreatorGrantSpec
    ) -> dict[str, Any]:
        """Only drift repair reaches here (every spec change replaces): grant what is missing."""
        role, schema = to_ident(spec.role), to_schema(spec.database, spec.schema_)
        held = self.held(session, role, schema)
        added = [p for p in PRIVILEGES if p not in held]
        self._grant(session, role, schema, added)
        managed = list(olds.get("managed_privileges") or []) + added
        return self._outputs(spec.role, schema, managed, [])

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        role, schema_text = split_id(id_, 2, self.kind, "ROLE|DB.SCHEMA")
        schema = SchemaName.parse(schema_text, "id")
        managed = props.get("managed_privileges")
        if managed is None:  # state without the list (hand-written): revoke nothing we cannot prove
            return
        missing = props.get("missing_privileges") or []
        held = [p for p in PRIVILEGES if p not in managed and p not in missing]
        if held:
            log_release(left_in_place(self.kind, id_, held))
        for privilege in reversed(PRIVILEGES):
            if privilege in managed:
                priv, target = _parts(privilege, schema)
                stmt = RevokePrivilege(priv, target, Grantee.role(to_ident(role)))
                revoke_quietly(session, stmt, cache.grants_scope(target))
