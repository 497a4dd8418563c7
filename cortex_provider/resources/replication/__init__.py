"""ModelReplication: a replication group on the primary plus a refreshed replica in each target.

Primary: CREATE REPLICATION GROUP g OBJECT_TYPES = DATABASES ALLOWED_DATABASES ALLOWED_ACCOUNTS
[REPLICATION_SCHEDULE]. Each target (its own Session, from `connector`): CREATE REPLICATION GROUP g
AS REPLICA OF org.primary.g, then REFRESH. Fine-tuned models reach the targets only on a refresh,
so `refresh_token` (the program passes the FineTunedModel's job id) makes a change upstream an
in-place update that refreshes every target. Targets are added/removed in place. Read reports only
targets whose replica still exists, so a replica dropped by hand is recreated + refreshed by the
next `up`. Delete drops the replicas, then the primary group -- never a database. An existing group of
the declared name is taken only with `adopt: true`, and an adopted one is never dropped (owner.py).

spec.py (validated input), core.py (the reconcile core), owner.py (ownership).
"""

from cortex_provider.resources.replication.core import ReplicationCore
from cortex_provider.resources.replication.spec import ReplicationSpec

__all__ = ["ReplicationCore", "ReplicationSpec"]
