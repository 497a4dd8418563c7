"""A replication group's ownership (resources/ownership.py). Snowflake documents no COMMENT for
replication groups (docs.snowflake.com/en/sql-reference/sql/create-replication-group lists none; SHOW
REPLICATION GROUPS prints a comment column only), so no record can be kept with the group: an existing
primary group of the declared name is never provably this stack's, and is taken only with `adopt: true`.
An adopted group is released on delete: neither it nor its replicas are dropped."""

from __future__ import annotations

from cortex_provider.resources.ownership import ADOPTED, CREATED, Claim, OwnershipError
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.parse_show import ReplicationGroupInfo


def group_origin(group: Identifier, row: ReplicationGroupInfo | None, claim: Claim) -> str:
    """CREATED when there is no such primary group yet, ADOPTED when declared; else raises."""
    if row is None:
        return CREATED
    if claim.adopt:
        return ADOPTED
    raise OwnershipError(
        f"ModelReplication {group.sql()}: a primary replication group of that name already exists, and "
        "replication groups keep no ownership record (Snowflake takes no COMMENT on them), so this stack "
        "does not take it over silently (nothing was created or changed). Fix: declare `adopt: true` on "
        "it to take it over (it is then released, never dropped, when this stack lets it go), or choose "
        "another group name."
    )
