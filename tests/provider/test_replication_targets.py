"""Where target-account connection settings come from (cortex_provider.pulumi.targets), no server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex_provider.errors import SettingsError
from cortex_provider.pulumi.targets import configured_connections, settings_for_target, target_settings
from cortex_provider.settings import resolve_settings
from cortex_provider.sql.identifiers import AccountName

BASE = {"cortex:account": "LOCAL", "cortex:user": "ADMIN", "cortex:password": "pw", "cortex:role": "ACCOUNTADMIN",
        "cortex:database": "CORTEX_DEMO", "cortex:host": "127.0.0.1", "cortex:port": "8765"}


def test_derived_settings_replace_only_the_account() -> None:
    base = resolve_settings(BASE, env={})
    eu = target_settings(base, AccountName("EU", "LOCALORG"))
    assert eu.account == "EU" and eu.user == "ADMIN" and eu.role == "ACCOUNTADMIN" and eu.port == 8765
    assert eu.password is not None and eu.password.get_secret_value() == "pw"
    assert eu.database is None  # the primary's database need not exist in the target
    assert eu.cache_key() != base.cache_key()
    assert "pw" not in repr(eu)
    org_form = resolve_settings({**BASE, "cortex:account": "myorg-primary"}, env={})
    assert target_settings(org_form, AccountName("ANALYTICS_EU", "MYORG")).account == "myorg-ANALYTICS_EU"


def test_connections_map_names_a_toml_entry_per_target(tmp_path: Path) -> None:
    (tmp_path / "connections.toml").write_text(
        '[prod_eu]\naccount = "myorg-analytics_eu"\nuser = "SVC_EU"\npassword = "eu-secret"\n')
    env = {"SNOWFLAKE_HOME": str(tmp_path)}
    config = {**BASE, "cortex:targets": '{"connections": {"MYORG.ANALYTICS_EU": "prod_eu"}}'}
    eu = settings_for_target(AccountName("ANALYTICS_EU", "MYORG"), config=config, env=env)
    assert (eu.account, eu.user) == ("myorg-analytics_eu", "SVC_EU")
    # a bare name in the map matches too; an explicit resource-level connection wins
    bare = settings_for_target(AccountName("ANALYTICS_EU", "MYORG"), config={**BASE, "cortex:targets": {
        "connections": {"analytics_eu": "prod_eu"}}}, env=env)
    assert bare.user == "SVC_EU"
    explicit = settings_for_target(AccountName("OTHER", "MYORG"), "prod_eu", config=BASE, env=env)
    assert explicit.user == "SVC_EU"
    # an account without an entry falls back to the derived settings
    assert settings_for_target(AccountName("APAC", "MYORG"), config=config, env=env).user == "ADMIN"


def test_bad_targets_config_says_how_to_fix() -> None:
    assert configured_connections({}) == {}
    with pytest.raises(SettingsError, match="cortex:targets"):
        configured_connections({"cortex:targets": "not json"})
    with pytest.raises(SettingsError, match="connections"):
        configured_connections({"cortex:targets": {"connections": {"A": 3}}})
