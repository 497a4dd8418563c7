"""AiAccessGrant: what one role needs to call Cortex AI functions on some base models.

Per https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access a role needs USE AI
FUNCTIONS (or USE AI FUNCTION <name> per function) and one of the database roles CORTEX_USER or
AI_FUNCTIONS_USER (which does not allow fine-tuning); per .../governance-and-availability/model-access-control
it reaches a base model through SNOWFLAKE."CORTEX-MODEL-ROLE-<MODEL>" (or "CORTEX-MODEL-ROLE-ALL").

Like ModelCreatorGrant: grants the role already held are not taken over (`managed_grants` lists only what
this resource granted; delete revokes exactly those); refresh reports grants revoked by hand in
`missing_grants`, and a non-empty list makes the next `up` grant them again. A spec change updates in place:
new grants are added, managed ones no longer wanted are revoked. Id: the role.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from cortex_provider.errors import InvalidInput
from cortex_provider.resources import grant_cache as cache
from cortex_provider.resources.base import Applied, Diff, ResourceCore
from cortex_provider.resources.grants import revoke_quietly
from cortex_provider.resources.names import ident, split_id, to_ident
from cortex_provider.resources.ownership import left_in_place, log_release
from cortex_provider.session import Session
from cortex_provider.sql import access as sql
from cortex_provider.sql.grants import GrantDatabaseRole, RevokeDatabaseRole, ShowGrants
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.parse_show import parse_grants
from cortex_provider.sql.statement import Statement

DatabaseRole = Literal["CORTEX_USER", "AI_FUNCTIONS_USER"]


def _checked(values: list[str], parse: Any, field: str) -> list[str]:
    try:
        names = [parse(v, field) for v in values]
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {exc.fix}") from None
    if sql.ALL in names and len(names) > 1:
        raise ValueError(f"{field}: ALL already covers {[n for n in names if n != sql.ALL]}; give ALL alone")
    return sorted(set(names), key=names.index)


class AiAccessGrantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    functions: list[str] = [sql.ALL]  # ALL: the account privilege USE AI FUNCTIONS
    base_models: list[str] = []  # ALL: CORTEX-MODEL-ROLE-ALL; none: what SNOWFLAKE.PUBLIC gives
    database_role: DatabaseRole | None = "AI_FUNCTIONS_USER"  # None: granted elsewhere (CortexUserGrant)

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        return ident(v, "role")

    @field_validator("functions")
    @classmethod
    def _functions(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("give at least one AI function, or ALL")
        return _checked([sql.ALL if f.strip().upper() == sql.ALL else f for f in v], sql.function_name, "functions")

    @field_validator("base_models")
    @classmethod
    def _models(cls, v: list[str]) -> list[str]:
        return _checked(v, sql.base_model_name, "base_models")


def wanted(spec: AiAccessGrantSpec) -> dict[str, tuple[Statement, Statement]]:
    """Grant key -> (grant, revoke) statements, in grant order: database role, functions, models."""
    role = to_ident(spec.role)
    out: dict[str, tuple[Statement, Statement]] = {}
    if spec.database_role is not None:
        db_role = sql.DATABASE_ROLES[spec.database_role]
        out[sql.database_role_key(spec.database_role)] = (GrantDatabaseRole(role, db_role),
                                                          RevokeDatabaseRole(role, db_role))
    for f in spec.functions:
        out[sql.function_key(f)] = (sql.AccountAiPrivilege(role, f), sql.AccountAiPrivilege(role, f, grant=False))
    for m in spec.base_models:
        out[sql.model_key(m)] = (sql.ModelApplicationRole(role, m), sql.ModelApplicationRole(role, m, grant=False))
    return out


def role_scope(role: Identifier) -> Hashable:
    return ("GRANTS TO ROLE", role.sql())


def held(session: Session, role: Identifier) -> set[str] | None:
    """The grant keys of this family the role holds directly; None when the role does not exist."""
    rows = cache.SHOW_CACHE.rows(session, role_scope(role), ShowGrants(to_role=role))
    if rows is None:
        return None
    keys = (sql.row_key(g.privilege, g.granted_on, g.name) for g in parse_grants(rows)
            if g.granted_to.upper() == "ROLE")
    return {k for k in keys if k is not None}


def _write(session: Session, role: Identifier, stmt: Statement) -> None:
    # a database role grant also changes what CortexUserGrant reads (SHOW GRANTS OF DATABASE ROLE)
    cache.write(session, stmt, role_scope(role), cache.CORTEX_USER_SCOPE)


class AiAccessGrantCore(ResourceCore[AiAccessGrantSpec]):
    kind = "AiAccessGrant"
    spec_type = AiAccessGrantSpec
    replace_on = frozenset({"role"})

    @staticmethod
    def _outputs(spec: AiAccessGrantSpec, managed: list[str], missing: list[str]) -> dict[str, Any]:
        order = list(wanted(spec))
        return {**spec.model_dump(mode="json"), "managed_grants": sorted(set(managed), key=_rank(order)),
                "missing_grants": [k for k in order if k in missing]}

    def _grant_missing(self, session: Session, spec: AiAccessGrantSpec) -> list[str]:
        role = to_ident(spec.role)
        have = held(session, role)
        if have is None:
            raise InvalidInput("role", f"role {spec.role} does not exist", "create the role first, or fix the name")
        added = []
        for key, (grant, _revoke) in wanted(spec).items():
            if key not in have:
                _write(session, role, grant)
                added.append(key)
        return added

    def create(self, session: Session, spec: AiAccessGrantSpec) -> Applied:
        added = self._grant_missing(session, spec)
        return Applied(spec.role, self._outputs(spec, added, []))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        role = props.get("role") or split_id(id_, 1, self.kind, "ROLE")[0]
        spec = self.parse({**props, "role": role})
        have = held(session, to_ident(spec.role))
        want = list(wanted(spec))
        if not have or not any(k in have for k in want):
            return None
        imported = "managed_grants" not in props
        managed = [k for k in want if k in have] if imported else list(props.get("managed_grants") or [])
        return Applied(id_, self._outputs(spec, managed, [k for k in want if k not in have]))

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        base = super().diff(id_, olds, news)
        changed = list(base.changed)
        if olds.get("missing_grants") and "missing_grants" not in changed:
            changed.append("missing_grants")
        return Diff(changed, base.replaces, delete_before_replace=bool(base.replaces))

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: AiAccessGrantSpec) -> dict[str, Any]:
        """Grant what is missing (drift or a wider spec); revoke managed grants the spec no longer names."""
        added = self._grant_missing(session, spec)
        want = wanted(spec)
        managed = [k for k in olds.get("managed_grants") or [] if k in want] + added
        old_spec = self.parse(olds)
        self._revoke(session, to_ident(spec.role), wanted(old_spec),
                     [k for k in olds.get("managed_grants") or [] if k not in want])
        return self._outputs(spec, managed, [])

    def _revoke(self, session: Session, role: Identifier, statements: dict[str, tuple[Statement, Statement]],
                keys: list[str]) -> None:
        for key in reversed(list(statements)):  # models, then functions, then the database role
            if key in keys:
                revoke_quietly(session, statements[key][1], role_scope(role), cache.CORTEX_USER_SCOPE)

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        managed = props.get("managed_grants")
        if managed is None:  # state without the list: revoke nothing we cannot prove we granted
            return
        spec = self.parse(props)
        missing = props.get("missing_grants") or []
        held = [k for k in wanted(spec) if k not in managed and k not in missing]
        if held:
            log_release(left_in_place(self.kind, spec.role, held))
        self._revoke(session, to_ident(spec.role), wanted(spec), list(managed))


def _rank(order: list[str]) -> Any:
    return lambda k: order.index(k) if k in order else len(order)
