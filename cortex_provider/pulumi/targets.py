"""Sessions to the other accounts a resource acts in (replication targets), from the stack config.

The provider holds one connection (the primary, from `cortex:*`). For a target account the
connection settings are, first found wins:
  1. a connections.toml entry named for that account, by the resource input `target_connections`
     ({account: connection name}) or by the stack config
        cortex:targets:
          connections: {MYORG.ANALYTICS_EU: prod_eu}
     -- the production way: each account has its own user and key;
  2. otherwise the primary's settings with only `account` replaced (same user, role, credential
     source) and no default database/schema -- right for the local emulator (one server, every
     account reachable with the same login) and for organisations with one service user everywhere.
     `account` becomes the target's account name; when the primary's `cortex:account` is written
     `<org>-<account>` (Snowflake's account identifier form), the target's is `<org>-<target>`.
Credentials are read here, in the provider process, and never land on the provider object,
in state or in outputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cortex_provider.connection_settings import ConnectionSettings
from cortex_provider.errors import SettingsError
from cortex_provider.pulumi.connection import stack_config
from cortex_provider.session import Session, get_session
from cortex_provider.settings import CONFIG_NAMESPACE, resolve_settings
from cortex_provider.sql.identifiers import AccountName

_ORG_ACCOUNT = re.compile(r"([A-Za-z][A-Za-z0-9_]*)-([A-Za-z][A-Za-z0-9_]*)")


def target_settings(base: ConnectionSettings, target: AccountName) -> ConnectionSettings:
    """The primary's settings pointed at another account of the same organisation."""
    m = _ORG_ACCOUNT.fullmatch(base.account)
    acct = f"{m.group(1)}-{target.account}" if m else target.account
    sources = {**base.sources, "account": f"derived from {base.sources.get('account', 'account')}"}
    return base.model_copy(update={"account": acct, "database": None, "schema_": None, "sources": sources})


def configured_connections(config: Mapping[str, Any]) -> dict[str, str]:
    """`cortex:targets` -> {account: connections.toml name}; the value may arrive as JSON text."""
    raw = config.get(f"{CONFIG_NAMESPACE}:targets")
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SettingsError(
                "cortex:targets is not an object. Fix: cortex:targets: {connections: {ORG.ACCOUNT: name}}"
            ) from None
    conns = raw.get("connections", {}) if isinstance(raw, dict) else None
    if not isinstance(conns, dict) or not all(isinstance(v, str) for v in conns.values()):
        raise SettingsError(
            "cortex:targets.connections must map account names to connections.toml names, "
            "e.g. {MYORG.ANALYTICS_EU: prod_eu}"
        )
    return {str(k): v for k, v in conns.items()}


def _lookup(conns: Mapping[str, str], target: AccountName) -> str | None:
    for key, name in conns.items():
        other = AccountName.parse(key, "cortex:targets.connections")
        if other == target or (not (other.org and target.org) and other.account == target.account):
            return name
    return None


def settings_for_target(
    target: AccountName,
    connection: str | None = None,
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> ConnectionSettings:
    config = stack_config() if config is None else config
    name = connection or _lookup(configured_connections(config), target)
    if name:
        return resolve_settings({f"{CONFIG_NAMESPACE}:connectionName": name}, env)
    return target_settings(resolve_settings(config, env), target)


def target_session(target: AccountName, connection: str | None = None) -> Session:
    """The process-wide Session for a target account (see the module doc for where settings come from)."""
    return get_session(settings_for_target(target, connection))
