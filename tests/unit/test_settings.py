"""Settings: per-field precedence (config > connections.toml > env), clear errors, secret hygiene."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cortex_provider.connection_settings import ConnectionSettings
from cortex_provider.errors import SettingsError
from cortex_provider.settings import resolve_settings

PASSWORD = "s3cr3t-Pa55word!"


def write_toml(home: Path, text: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "connections.toml").write_text(text)
    return {"SNOWFLAKE_HOME": str(home)}


def test_config_only() -> None:
    s = resolve_settings(
        {
            "cortex:account": "myorg-acct",
            "cortex:user": "ci",
            "cortex:password": PASSWORD,
            "cortex:port": "8443",
            "cortex:schema": "PUBLIC",
        },
        env={},
    )
    assert (s.account, s.user, s.port, s.schema_) == ("myorg-acct", "ci", 8443, "PUBLIC")
    assert s.password is not None and s.password.get_secret_value() == PASSWORD
    assert s.sources["account"] == "config"


def test_per_field_precedence_across_three_sources(tmp_path: Path) -> None:
    env = write_toml(
        tmp_path,
        '[dev]\naccount = "toml-acct"\nuser = "toml-user"\nrole = "TOML_ROLE"\nwarehouse = "TOML_WH"\n',
    )
    env |= {
        "SNOWFLAKE_ACCOUNT": "env-acct",
        "SNOWFLAKE_USER": "env-user",
        "SNOWFLAKE_ROLE": "ENV_ROLE",
        "SNOWFLAKE_WAREHOUSE": "ENV_WH",
        "SNOWFLAKE_HOST": "env.host",
        "SNOWFLAKE_PASSWORD": PASSWORD,
    }
    config = {"cortex:connectionName": "dev", "cortex:role": "CONFIG_ROLE"}
    s = resolve_settings(config, env=env)
    assert s.role == "CONFIG_ROLE" and s.sources["role"] == "config"
    assert s.account == "toml-acct" and s.sources["account"] == "connections.toml:dev"
    assert s.warehouse == "TOML_WH"
    assert s.host == "env.host" and s.sources["host"] == "env"
    assert s.password is not None and s.sources["password"] == "env"


def test_connection_name_from_env_and_default_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".snowflake").mkdir()
    (tmp_path / ".snowflake" / "connections.toml").write_text(
        '[local]\naccount = "fakesnow"\nuser = "fake"\npassword = "pw"\nhost = "127.0.0.1"\nport = 8123\n'
        'protocol = "http"\n'
    )
    s = resolve_settings({}, env={"SNOWFLAKE_DEFAULT_CONNECTION_NAME": "local", "HOME": str(tmp_path)})
    assert (s.account, s.host, s.port, s.protocol) == ("fakesnow", "127.0.0.1", 8123, "http")
    kwargs = s.connect_kwargs()
    assert kwargs["password"] == "pw" and kwargs["port"] == 8123 and "private_key" not in kwargs


def test_unknown_connection_name_lists_available(tmp_path: Path) -> None:
    env = write_toml(tmp_path, '[a]\naccount = "x"\n[b]\naccount = "y"\n')
    with pytest.raises(SettingsError, match=r"'nope' not found .*available: a, b"):
        resolve_settings({"cortex:connectionName": "nope"}, env=env)
    with pytest.raises(SettingsError, match="does not exist"):
        resolve_settings({"cortex:connectionName": "x"}, env={"SNOWFLAKE_HOME": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    ("config", "env", "needle"),
    [
        ({}, {}, "cortex:account is not set. Fix: `pulumi config set cortex:account"),
        ({"cortex:account": "a"}, {}, "cortex:user is not set"),
        ({"cortex:account": "a", "cortex:user": "u"}, {}, "pulumi config set --secret cortex:password"),
        ({"cortex:account": "a", "cortex:user": "u", "cortex:port": "x", "cortex:password": "p"}, {}, "port"),
    ],
)
def test_missing_or_bad_settings_explain_the_fix(
    config: dict[str, str], env: dict[str, str], needle: str
) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_settings(config, env=env)
    assert needle in str(info.value)


def test_external_browser_needs_no_secret() -> None:
    s = resolve_settings(
        {"cortex:account": "a", "cortex:user": "u", "cortex:authenticator": "externalbrowser"}, env={}
    )
    assert s.connect_kwargs()["authenticator"] == "externalbrowser"


def test_secrets_never_shown() -> None:
    s = resolve_settings(
        {
            "cortex:account": "a",
            "cortex:user": "u",
            "cortex:password": PASSWORD,
            "cortex:privateKeyPassphrase": "phrase-XYZ",
        },
        env={},
    )
    for text in (repr(s), str(s), str(s.model_dump()), s.model_dump_json()):
        assert PASSWORD not in text and "phrase-XYZ" not in text
    assert "**********" in repr(s)
    assert PASSWORD not in repr(s.cache_key())


def _pem(passphrase: bytes | None) -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    enc = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode()
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, der


def test_private_key_pem_to_der_from_path_with_passphrase(tmp_path: Path) -> None:
    pem, der = _pem(b"pp")
    (tmp_path / "key.p8").write_text(pem)
    s = resolve_settings(
        {"cortex:account": "a", "cortex:user": "u"},
        env={
            "SNOWFLAKE_PRIVATE_KEY_PATH": str(tmp_path / "key.p8"),
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "pp",
        },
    )
    kwargs = s.connect_kwargs()
    assert kwargs["private_key"] == der and kwargs["authenticator"] == "SNOWFLAKE_JWT"
    assert "password" not in kwargs
    assert "PRIVATE KEY" not in repr(s) and s.sources["private_key"] == "env"


def test_bad_key_or_passphrase_error_hides_key() -> None:
    pem, _ = _pem(b"right")
    s = resolve_settings(
        {
            "cortex:account": "a",
            "cortex:user": "u",
            "cortex:privateKey": pem,
            "cortex:privateKeyPassphrase": "bad-Pass-9Z",
        },
        env={},
    )
    with pytest.raises(SettingsError) as info:
        s.connect_kwargs()
    assert "PRIVATE KEY" not in str(info.value) and "bad-Pass-9Z" not in str(info.value)
    assert "cortex:privateKeyPassphrase" in str(info.value)


def test_unreadable_key_path() -> None:
    with pytest.raises(SettingsError, match="cannot be read"):
        resolve_settings(
            {"cortex:account": "a", "cortex:user": "u", "cortex:privateKeyPath": "/nonexistent/k.p8"}, env={}
        )


def test_cache_key_tracks_identity_and_secrets() -> None:
    base = {"cortex:account": "a", "cortex:user": "u", "cortex:password": "p1"}
    a, b = resolve_settings(base, env={}), resolve_settings(dict(base), env={})
    c = resolve_settings(base | {"cortex:password": "p2"}, env={})
    d = resolve_settings(base | {"cortex:role": "R"}, env={})
    assert a.cache_key() == b.cache_key()
    assert len({a.cache_key(), c.cache_key(), d.cache_key()}) == 3


def test_settings_are_frozen_and_picklable() -> None:
    s = ConnectionSettings(account="a", user="u")
    with pytest.raises(ValueError):
        s.account = "b"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s
