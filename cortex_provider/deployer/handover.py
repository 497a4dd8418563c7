"""Objects a stack made before it had a deployer role pass to that role, and nothing else does.

A stack that deployed as ACCOUNTADMIN owns its models and views through that role. Once it deploys as the
deployer role, SHOW no longer lists them to it: a refresh would read a trained model as gone and an `up`
would try to make it again. The admin step hands each model and view of the stack's schema whose
ownership record names this project and stack to the deployer (GRANT OWNERSHIP ... COPY CURRENT GRANTS,
docs.snowflake.com/en/sql-reference/sql/grant-ownership); objects without this stack's record stay where
they are (never touch what the stack does not own)."""

from __future__ import annotations

from dataclasses import dataclass

from cortex_provider.resources.ownership import parse_record
from cortex_provider.session import Session
from cortex_provider.sql.deployer import GrantOwnershipTo
from cortex_provider.sql.finetune import ShowModels
from cortex_provider.sql.identifiers import Identifier, SchemaName
from cortex_provider.sql.parse_show import canonical_name, parse_models, parse_views
from cortex_provider.sql.views import ShowViews


@dataclass(frozen=True)
class Handover:
    statement: GrantOwnershipTo
    owner: str  # the role that owns it now


def handovers(session: Session, schema: SchemaName, project: str, stack: str, role: Identifier) -> list[Handover]:
    """The GRANT OWNERSHIP statements that give `role` this stack's recorded objects it does not own."""
    found = [("MODEL", m.qualified, m.comment, m.owner) for m in parse_models(session.execute(ShowModels(schema)))]
    found += [("VIEW", v.qualified, v.comment, v.owner) for v in parse_views(session.execute(ShowViews(schema)))]
    out = []
    for kind, name, comment, owner in found:
        record = parse_record(comment)
        if record is None or (record.project, record.stack) != (project, stack):
            continue
        if owner is not None and canonical_name(owner) == role.sql():
            continue
        out.append(Handover(GrantOwnershipTo(kind, name, role), owner or "unknown"))
    return out
