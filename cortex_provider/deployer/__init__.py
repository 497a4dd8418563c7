"""The least-privilege deployer role: what a stack's resource kinds need, granted once by an admin.

`python -m cortex_provider.deployer --stack local` reads stacks/Pulumi.<stack>.yaml: the role the stack
deploys as (`cortex:role`, never ACCOUNTADMIN), its user, and `cortex:spec`; connects as the admin role
(ACCOUNTADMIN by default) and grants the deployer exactly what the declared kinds need, printing each grant
with the kind that needs it (docs/access-control.md has the table). `--all-kinds` grants what every kind needs
on the stack's schema (for a stack whose spec will grow); `--print-only` sends nothing. Re-running is
harmless (every statement is idempotent). Privileges per Snowflake's docs: fine-tuning
(https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-finetuning#access-control-requirements),
AI functions (https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cortex_provider.sql import access as ai
from cortex_provider.sql.deployer import (
    CreateRole,
    GrantOnAccount,
    GrantOnObject,
    GrantPublicGrantAdmin,
    GrantRoleTo,
)
from cortex_provider.sql.grants import CORTEX_USER, GrantDatabaseRole
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement

if TYPE_CHECKING:
    from cortex_provider.program.spec import StackSpec

ADMIN_ROLES = frozenset({"ACCOUNTADMIN"})


@dataclass(frozen=True)
class Need:
    """One grant to the deployer and the resource kind that needs it."""

    statement: Statement
    why: str


def needs(spec: StackSpec, role: Identifier, user: Identifier, all_kinds: bool = False) -> list[Need]:
    """The grants, in order, that let `role` deploy `spec` (every kind's when `all_kinds`)."""
    db = Identifier.parse(spec.database, "database")
    schema = SchemaName(db, Identifier.parse(spec.schema_, "schema"))
    out = [Need(CreateRole(role), "the deployer role"), Need(GrantRoleTo(role, user), "the stack's user uses it"),
           Need(GrantOnObject("USAGE", db, role), "every kind: the stack's database"),
           Need(GrantOnObject("USAGE", schema, role), "every kind: the stack's schema")]
    every = all_kinds
    hands_out = (spec.access.cortex_users or spec.access.model_creators or spec.consume is not None
                 or spec.ai_access.roles or any(m.usage_roles for m in spec.models) or spec.shared_models)
    if every or hands_out:
        out.append(Need(GrantOnAccount("MANAGE GRANTS", role),
                        "CortexUserGrant, ModelCreatorGrant, AiAccessGrant: grants on objects and database roles "
                        "it does not own"))
    if every or spec.training_views:
        out.append(Need(GrantOnObject("CREATE VIEW", schema, role), "TrainingView"))
        for source in sorted({v.source for v in spec.training_views if v.source}):
            table = QualifiedName.parse(source, "source")
            if table.database is not None and table.schema is not None:
                out += [Need(GrantOnObject("USAGE", table.database, role), f"TrainingView: reads {source}"),
                        Need(GrantOnObject("USAGE", SchemaName(table.database, table.schema), role),
                             f"TrainingView: reads {source}"),
                        Need(GrantOnObject("SELECT", table, role), f"TrainingView: reads {source}")]
    if every or spec.models or spec.releases:
        out += [Need(GrantDatabaseRole(role, CORTEX_USER), "FineTunedModel, ModelRelease: FINETUNE needs CORTEX_USER"),
                Need(GrantOnObject("CREATE MODEL", schema, role), "FineTunedModel, ModelRelease")]
    if every or spec.releases:
        out.append(Need(GrantOnObject("CREATE FUNCTION", schema, role), "ModelRelease: its endpoint function"))
    if every or spec.distillations:
        out.append(Need(GrantOnObject("CREATE TABLE", schema, role), "DistillationDataset: its label table"))
    if every or spec.shares:
        out.append(Need(GrantOnAccount("CREATE SHARE", role), "ModelShare"))
    if every or spec.replication:
        out.append(Need(GrantOnAccount("CREATE REPLICATION GROUP", role), "ModelReplication"))
    if every or spec.ai_access.roles or spec.ai_access.lockdown:
        out.append(Need(GrantOnAccount("USE AI FUNCTIONS", role, grant_option=True),
                        "AiAccessGrant, AiLockdown: only ACCOUNTADMIN or a holder WITH GRANT OPTION manages it"))
    if every or spec.ai_access.lockdown:
        out += [Need(GrantPublicGrantAdmin(role), "AiLockdown: CALL SNOWFLAKE.LOCAL.*_PUBLIC_APPLICATION_ROLE"),
                Need(ai.ModelApplicationRole(role, ai.ALL), "AiLockdown: the deployer's own COMPLETE calls "
                     "(evaluations, distillations) keep every model")]
    unique: dict[str, Need] = {}
    for n in out:  # a source table in the stack's own database repeats its USAGE
        unique.setdefault(n.statement.sql(), n)
    return list(unique.values())
