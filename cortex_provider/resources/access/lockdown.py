"""AiLockdown: takes away Snowflake's two defaults that let every role call every Cortex model.

- `ai_functions`: REVOKE USE AI FUNCTIONS ON ACCOUNT FROM ROLE PUBLIC
  (https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access);
- `models`: CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL')
  (https://docs.snowflake.com/en/user-guide/snowflake-cortex/governance-and-availability/model-access-control;
  a plain REVOKE does not remove it).
`revoked_defaults` lists what this resource took away; delete gives exactly those back (Snowflake's
defaults), never a default someone else had already removed. Refresh reports a default granted back by
hand in `restored_defaults`; the next `up` takes it away again. One per account: id `LOCKDOWN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from cortex_provider.resources import grant_cache as cache
from cortex_provider.resources.access.grants import role_scope
from cortex_provider.resources.base import Applied, Diff, ResourceCore
from cortex_provider.session import Session
from cortex_provider.sql import access as sql
from cortex_provider.sql.grants import ShowGrants
from cortex_provider.sql.parse_show import parse_grants
from cortex_provider.sql.statement import Statement

FUNCTIONS_DEFAULT = "USE AI FUNCTIONS TO ROLE PUBLIC"
MODELS_DEFAULT = "CORTEX-MODEL-ROLE-ALL TO APPLICATION ROLE SNOWFLAKE.PUBLIC"
DEFAULTS = (FUNCTIONS_DEFAULT, MODELS_DEFAULT)
LOCKDOWN_ID = "LOCKDOWN"
PUBLIC_APP_SCOPE = ("GRANTS TO APPLICATION ROLE", "SNOWFLAKE.PUBLIC")


class AiLockdownSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ai_functions: bool = True
    models: bool = True


def _statements(default: str) -> tuple[Statement, Statement]:
    """(take away, give back) for one default."""
    if default == FUNCTIONS_DEFAULT:
        return sql.AccountAiPrivilege(sql.PUBLIC, grant=False), sql.AccountAiPrivilege(sql.PUBLIC)
    return sql.PublicModelAccess(grant=False), sql.PublicModelAccess(grant=True)


def _scope(default: str) -> Any:
    return role_scope(sql.PUBLIC) if default == FUNCTIONS_DEFAULT else PUBLIC_APP_SCOPE


def granted_defaults(session: Session) -> set[str]:
    """Which of Snowflake's two defaults are in place now."""
    out = set()
    public = parse_grants(cache.SHOW_CACHE.rows(session, role_scope(sql.PUBLIC), ShowGrants(to_role=sql.PUBLIC))
                          or [])
    if any(sql.row_key(g.privilege, g.granted_on, g.name) == sql.USE_AI_FUNCTIONS for g in public):
        out.add(FUNCTIONS_DEFAULT)
    app = parse_grants(cache.SHOW_CACHE.rows(session, PUBLIC_APP_SCOPE, sql.ShowGrantsToPublicApplicationRole())
                       or [])
    if any(sql.row_key(g.privilege, g.granted_on, g.name) == sql.model_key(sql.ALL) for g in app):
        out.add(MODELS_DEFAULT)
    return out


class AiLockdownCore(ResourceCore[AiLockdownSpec]):
    kind = "AiLockdown"
    spec_type = AiLockdownSpec

    @staticmethod
    def _wanted(spec: AiLockdownSpec) -> list[str]:
        return [d for d, on in ((FUNCTIONS_DEFAULT, spec.ai_functions), (MODELS_DEFAULT, spec.models)) if on]

    @staticmethod
    def _outputs(spec: AiLockdownSpec, revoked: list[str], restored: list[str]) -> dict[str, Any]:
        return {**spec.model_dump(mode="json"), "revoked_defaults": [d for d in DEFAULTS if d in revoked],
                "restored_defaults": [d for d in DEFAULTS if d in restored]}

    def _take_away(self, session: Session, defaults: list[str]) -> list[str]:
        present = granted_defaults(session)
        taken = [d for d in defaults if d in present]
        for d in taken:
            cache.write(session, _statements(d)[0], _scope(d))
        return taken

    def _give_back(self, session: Session, defaults: list[str]) -> None:
        for d in defaults:
            cache.write(session, _statements(d)[1], _scope(d))

    def create(self, session: Session, spec: AiLockdownSpec) -> Applied:
        return Applied(LOCKDOWN_ID, self._outputs(spec, self._take_away(session, self._wanted(spec)), []))

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        spec = self.parse(props)
        present = granted_defaults(session)
        imported = "revoked_defaults" not in props
        revoked = [d for d in self._wanted(spec) if d not in present] if imported else list(
            props.get("revoked_defaults") or [])
        return Applied(id_, self._outputs(spec, revoked, [d for d in self._wanted(spec) if d in present]))

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        base = super().diff(id_, olds, news)
        changed = list(base.changed)
        if olds.get("restored_defaults") and "restored_defaults" not in changed:
            changed.append("restored_defaults")
        return Diff(changed, base.replaces)

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: AiLockdownSpec) -> dict[str, Any]:
        """Take away again what was granted back by hand (or newly wanted); give back what is no longer wanted."""
        want = self._wanted(spec)
        revoked = [d for d in olds.get("revoked_defaults") or [] if d in want]
        self._give_back(session, [d for d in olds.get("revoked_defaults") or [] if d not in want])
        revoked += [d for d in self._take_away(session, want) if d not in revoked]
        return self._outputs(spec, revoked, [])

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        self._give_back(session, list(props.get("revoked_defaults") or []))
