"""A region stack's side of multi-region distribution: models another stack (the primary) trains and
replicates into this account, read through a Pulumi StackReference.

The primary exports `model:<NAME>` ({model, job_id, status, ...}) and `replication:<GROUP>`
({target: {account, replicated, models}}). From them this stack registers, in its own account:
  - CortexUserGrant for each of `consume.cortex_users`;
  - ModelUsageGrant on each replicated model for each of `consume.usage_roles` (a grant to a local
    role on an object of a read-only replica database: the database stays unmodified);
and exports per model `consumed:<NAME>` = {model, primary_job_id, primary_status, visible, account,
primary_stack}. `visible` says whether the primary's last replication refresh reported the model in
this account (None when this stack's account is not known from `cortex:account`/SNOWFLAKE_ACCOUNT).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from cortex_provider.program.registered import slug
from cortex_provider.program.spec import ConsumeSpec
from cortex_provider.pulumi.grants import CortexUserGrant, ModelUsageGrant

_ORG_ACCOUNT = re.compile(r"[A-Z][A-Z0-9_]*-([A-Z][A-Z0-9_]*)")


class ConsumeError(ValueError):
    """The referenced stack does not export what `cortex:spec.consume` asks for; the text says the fix."""


def account_part(text: str) -> str:
    """`LOCALORG.EU`, `localorg-eu` and `EU` all name the account `EU`."""
    last = text.strip().upper().rsplit(".", 1)[-1]
    m = _ORG_ACCOUNT.fullmatch(last)
    return m.group(1) if m else last


def this_account() -> str | None:
    acct = pulumi.Config("cortex").get("account") or os.environ.get("SNOWFLAKE_ACCOUNT")
    return account_part(acct) if acct else None


def model_info(outputs: Mapping[str, Any], stack: str, name: str) -> dict[str, Any]:
    """The primary's `model:<name>` output, or a ConsumeError naming what it does export."""
    info = outputs.get(f"model:{name}")
    if not isinstance(info, dict) or not info.get("model"):
        known = sorted(k.removeprefix("model:") for k in outputs if k.startswith("model:"))
        raise ConsumeError(
            f"cortex:spec.consume.models: stack {stack!r} exports no trained model {name!r} "
            f"(it exports: {', '.join(known) or 'none'}). Fix: run `up` for {stack!r} first, or fix the name"
        )
    return info


def visible_in(outputs: Mapping[str, Any], fqn: str, account: str | None) -> bool | None:
    """Whether any replication output of the primary lists `fqn` in the replica of `account`."""
    if account is None:
        return None
    for key, replicas in outputs.items():
        if not key.startswith("replication:") or not isinstance(replicas, dict):
            continue
        for entry in replicas.values():
            if (
                isinstance(entry, dict)
                and account_part(str(entry.get("account") or "")) == account
                and entry.get("replicated")
                and fqn in (entry.get("models") or [])
            ):
                return True
    return False


def summary(outputs: Mapping[str, Any], stack: str, name: str, account: str | None) -> dict[str, Any]:
    info = model_info(outputs, stack, name)
    fqn = str(info["model"])
    visible = visible_in(outputs, fqn, account)
    if visible is False:
        pulumi.log.warn(f"{fqn} is not (yet) replicated into {account}: run `up` for stack {stack!r}")
    return {"model": fqn, "primary_job_id": info.get("job_id"), "primary_status": info.get("status"),
            "visible": visible, "account": account, "primary_stack": stack}


def _summarize(stack: str, name: str, account: str | None) -> Callable[[Any], dict[str, Any]]:
    return lambda outputs: summary(outputs or {}, stack, name, account)


def build_consume(spec: ConsumeSpec) -> tuple[list[pulumi.Resource], dict[str, pulumi.Output[Any]]]:
    """Register the grants; return them and the per-model `consumed:<NAME>` outputs."""
    ref = pulumi.StackReference(spec.stack)
    account = this_account()
    # The Cortex grants need nothing from the primary, but they wait for its stack to be read: a region
    # brought up before its primary then fails with Pulumi's "unknown stack" and creates nothing, where
    # the engine sometimes got these grants in before the error (a half-built region).
    after_primary = pulumi.ResourceOptions(depends_on=[ref])
    grants: list[pulumi.Resource] = [
        CortexUserGrant(f"regional-cortex-user-{slug(role)}", role=role, opts=after_primary)
        for role in spec.cortex_users
    ]
    consumed: dict[str, pulumi.Output[Any]] = {}
    for name in spec.models:
        info = ref.outputs.apply(_summarize(spec.stack, name, account))
        consumed[name] = info
        model = info.apply(lambda i: str(i["model"]))
        for role in spec.usage_roles:
            grants.append(ModelUsageGrant(f"replica-usage-{slug(name)}-{slug(role)}", role=role, model=model))
    return grants, consumed
