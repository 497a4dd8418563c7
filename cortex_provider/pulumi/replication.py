"""The ModelReplication Pulumi resource and its dynamic provider (a thin layer over ReplicationCore).

The provider's one connection is the primary account; sessions to target accounts come from
`cortex_provider.pulumi.targets` (stack settings with the account replaced, or a connections.toml
entry per target), opened in the provider process -- nothing about them is pickled or stored.
Pass the FineTunedModel's `job_id` (or `model`) output as `refresh_token`: a retrain changes it, and
that in-place update refreshes every replica, so the new model reaches the targets in the same up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, DiffResult

from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.pulumi.owner import claim_props
from cortex_provider.pulumi.resource_type import CortexResource, kind_options
from cortex_provider.pulumi.share import check_tolerant, diff_tolerant
from cortex_provider.pulumi.targets import target_session
from cortex_provider.resources.replication import ReplicationCore

OUTPUTS = ("primary_account", "primary_group", "replicas")


class ModelReplicationProvider(CoreProvider):
    core = ReplicationCore(target_session)
    placeholders: Mapping[str, Any] = {"group": "UNKNOWN_GROUP", "refresh_token": "unknown"}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_tolerant(self.core, news, self.placeholders)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return diff_tolerant(self.core, _olds, _news) or super().diff(_id, _olds, _news)


class ModelReplication(CortexResource):
    """Replicates databases (and the fine-tuned models in them) from this account to target accounts.

    Its id is the group name. Outputs: the normalised inputs, primary_account (ORG.ACCOUNT),
    primary_group (ORG.ACCOUNT.GROUP) and replicas: {target: {account, replicated, last_refreshed_at
    (ISO time of the last REFRESH this provider ran), models (DB.SCHEMA.MODEL visible there)}}, and
    origin (created or adopted by this stack).
    """

    primary_account: pulumi.Output[str]
    primary_group: pulumi.Output[str]
    replicas: pulumi.Output[dict[str, Any]]
    group: pulumi.Output[str]
    databases: pulumi.Output[list[str]]
    target_accounts: pulumi.Output[list[str]]
    origin: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        group: pulumi.Input[str],
        databases: pulumi.Input[Sequence[pulumi.Input[str]]],
        target_accounts: pulumi.Input[Sequence[pulumi.Input[str]]],
        schedule: pulumi.Input[str] | None = None,
        refresh_token: pulumi.Input[str] | None = None,
        target_connections: pulumi.Input[Mapping[str, str]] | None = None,
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`adopt`: take over an existing primary group of that name (resources/replication/owner.py)."""
        props: dict[str, Any] = {key: None for key in OUTPUTS}
        props.update(
            group=group,
            databases=databases,
            target_accounts=target_accounts,
            schedule=schedule,
            refresh_token=refresh_token,
            target_connections=target_connections or {},
        )
        props.update(claim_props(resource_name, adopt))
        super().__init__(ModelReplicationProvider(), resource_name, props, kind_options(opts))
