"""Connection settings, resolved per field from three documented sources (first found wins):

(a) Pulumi stack config, keys `cortex:<key>` (account, user, role, warehouse, database, schema, host,
    port, protocol, authenticator, password, privateKey, privateKeyPath, privateKeyPassphrase,
    connectionName) -- set secrets with `pulumi config set --secret cortex:password ...`;
(b) the connections.toml connection named by `cortex:connectionName` or
    $SNOWFLAKE_DEFAULT_CONNECTION_NAME, read from $SNOWFLAKE_HOME/connections.toml or
    ~/.snowflake/connections.toml (connector key names: account, user, password, private_key_file,
    private_key_file_pwd, ...);
(c) SNOWFLAKE_* environment variables (SNOWFLAKE_ACCOUNT, _USER, _PASSWORD, _ROLE, _WAREHOUSE,
    _DATABASE, _SCHEMA, _HOST, _PORT, _PROTOCOL, _AUTHENTICATOR, _PRIVATE_KEY, _PRIVATE_KEY_PATH,
    _PRIVATE_KEY_PASSPHRASE).
Secrets are pydantic SecretStr: repr/str/model_dump show '**********', never the value.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from cortex_provider.errors import SettingsError

CONFIG_NAMESPACE = "cortex"
_PUBLIC = (
    "account",
    "user",
    "role",
    "warehouse",
    "database",
    "schema",
    "host",
    "port",
    "protocol",
    "authenticator",
)
_SECRET = ("password", "private_key", "private_key_passphrase")
# field -> stack config key (camelCase, as Pulumi config keys are conventionally written)
_CONFIG_KEYS = {f: f for f in _PUBLIC} | {
    "password": "password",
    "private_key": "privateKey",
    "private_key_path": "privateKeyPath",
    "private_key_passphrase": "privateKeyPassphrase",
}
_TOML_KEYS = {f: (f,) for f in _PUBLIC} | {
    "password": ("password",),
    "private_key": ("private_key",),
    "private_key_path": ("private_key_file", "private_key_path"),
    "private_key_passphrase": ("private_key_file_pwd", "private_key_passphrase"),
}
_ENV_KEYS = {f: (f"SNOWFLAKE_{f.upper()}",) for f in _PUBLIC} | {
    "password": ("SNOWFLAKE_PASSWORD",),
    "private_key": ("SNOWFLAKE_PRIVATE_KEY",),
    "private_key_path": ("SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_PRIVATE_KEY_FILE"),
    "private_key_passphrase": ("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "SNOWFLAKE_PRIVATE_KEY_FILE_PWD"),
}
# Authenticators that need neither a password nor a private key from us.
_NO_SECRET_AUTH = {"EXTERNALBROWSER", "OAUTH", "WORKLOAD_IDENTITY", "PROGRAMMATIC_ACCESS_TOKEN"}


class ConnectionSettings(BaseModel):
    """Everything needed to open one Snowflake connection. Immutable and hashable by value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    user: str
    role: str | None = None
    warehouse: str | None = None
    database: str | None = None
    schema_: str | None = None
    host: str | None = None
    port: int | None = None
    protocol: str | None = None
    authenticator: str | None = None
    password: SecretStr | None = None
    private_key: SecretStr | None = None  # PEM text
    private_key_passphrase: SecretStr | None = None
    login_timeout: int = 60
    network_timeout: int | None = None
    sources: dict[str, str] = {}  # field -> where it came from ("config", "connections.toml:x", "env")

    def cache_key(self) -> tuple[Any, ...]:
        """Identity of the connection these settings open (secrets folded into a digest)."""
        digest = hashlib.sha256()
        for name in _SECRET:
            secret = getattr(self, name)
            digest.update(b"\x00" + (secret.get_secret_value().encode() if secret else b"\x01"))
        public = tuple(getattr(self, f if f != "schema" else "schema_") for f in _PUBLIC)
        return (*public, self.login_timeout, self.network_timeout, digest.hexdigest())

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for snowflake.connector.connect (private key as DER bytes)."""
        kwargs: dict[str, Any] = {
            "account": self.account,
            "user": self.user,
            "login_timeout": self.login_timeout,
        }
        for name in _PUBLIC[2:]:
            value = getattr(self, "schema_" if name == "schema" else name)
            if value is not None:
                kwargs[name] = value
        if self.network_timeout is not None:
            kwargs["network_timeout"] = self.network_timeout
        if self.private_key is not None:
            kwargs["private_key"] = pem_to_der(self.private_key, self.private_key_passphrase)
            kwargs.setdefault("authenticator", "SNOWFLAKE_JWT")
        elif self.password is not None:
            kwargs["password"] = self.password.get_secret_value()
        return kwargs

    def endpoint(self) -> str:
        """Where a connection goes, for error messages: URL, account and user (never a secret)."""
        host = self.host or f"{self.account}.snowflakecomputing.com"
        url = f"{self.protocol or 'https'}://{host}:{self.port or 443}"
        return f"{url} (account {self.account!r}, user {self.user!r})"

    def secrets(self) -> list[str]:
        """Secret values, so error text can be scrubbed of them."""
        return [
            s.get_secret_value() for s in (self.password, self.private_key, self.private_key_passphrase) if s
        ]


def pem_to_der(pem: SecretStr, passphrase: SecretStr | None) -> bytes:
    """PEM private key (optionally encrypted) -> unencrypted PKCS#8 DER, what the connector expects."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(
            pem.get_secret_value().encode(),
            password=passphrase.get_secret_value().encode() if passphrase else None,
        )
    except (ValueError, TypeError) as exc:  # never echo the key material
        raise SettingsError(
            f"the private key could not be loaded ({type(exc).__name__}: wrong format or passphrase). "
            'Fix: give a PEM key via `pulumi config set --secret cortex:privateKey -- "$(cat key.p8)"` '
            "and, if it is encrypted, `pulumi config set --secret cortex:privateKeyPassphrase ...`"
        ) from None
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _config_get(config: Mapping[str, Any], key: str, namespace: str) -> Any:
    for k in (f"{namespace}:{key}", key):
        value = config.get(k)
        if value is not None and value != "":
            return value
    return None


def connections_file(env: Mapping[str, str]) -> Path:
    home = env.get("SNOWFLAKE_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".snowflake") / "connections.toml"


def load_connection(name: str, env: Mapping[str, str]) -> dict[str, Any]:
    """The [name] table of connections.toml; a clear error when the file or the name is missing."""
    path = connections_file(env)
    if not path.is_file():
        raise SettingsError(
            f"connection {name!r} was requested (cortex:connectionName or SNOWFLAKE_DEFAULT_CONNECTION_NAME) "
            f"but {path} does not exist. Fix: create it, set SNOWFLAKE_HOME, or unset the connection name"
        )
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None
    table = data.get(name)
    if not isinstance(table, dict):
        available = ", ".join(sorted(k for k, v in data.items() if isinstance(v, dict))) or "none"
        raise SettingsError(f"connection {name!r} not found in {path} (available: {available})")
    return table


def resolve_settings(
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    namespace: str = CONFIG_NAMESPACE,
) -> ConnectionSettings:
    """Merge stack config > connections.toml > SNOWFLAKE_* env, per field; validate."""
    config = config or {}
    env = dict(os.environ) if env is None else env
    conn_name = _config_get(config, "connectionName", namespace) or env.get(
        "SNOWFLAKE_DEFAULT_CONNECTION_NAME"
    )
    toml = load_connection(str(conn_name), env) if conn_name else {}

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for field, config_key in _CONFIG_KEYS.items():
        candidates = (
            ("config", _config_get(config, config_key, namespace)),
            (
                f"connections.toml:{conn_name}",
                next((toml[k] for k in _TOML_KEYS[field] if toml.get(k)), None),
            ),
            ("env", next((env[k] for k in _ENV_KEYS[field] if env.get(k)), None)),
        )
        for source, value in candidates:
            if value is not None and value != "":
                values[field], sources[field] = value, source
                break

    key_path = values.pop("private_key_path", None)
    if key_path and "private_key" not in values:
        path = Path(str(key_path)).expanduser()
        try:
            values["private_key"] = path.read_text()
        except OSError as exc:
            raise SettingsError(
                f"private key file {path} (from {sources['private_key_path']}) cannot be read: {exc.strerror}"
            ) from None
        sources["private_key"] = sources["private_key_path"]
    sources.pop("private_key_path", None)
    _require(values, namespace)
    if "port" in values:
        try:
            values["port"] = int(values["port"])
        except (TypeError, ValueError):
            raise SettingsError(
                f"port {values['port']!r} (from {sources['port']}) is not a number. "
                f"Fix: `pulumi config set {namespace}:port 443`"
            ) from None
    if "schema" in values:
        values["schema_"] = values.pop("schema")
    values = {k: str(v) if k != "port" else v for k, v in values.items()}
    return ConnectionSettings(**values, sources=sources)


def _require(values: Mapping[str, Any], ns: str) -> None:
    for field, env_key in (("account", "SNOWFLAKE_ACCOUNT"), ("user", "SNOWFLAKE_USER")):
        if not values.get(field):
            raise SettingsError(
                f"{ns}:{field} is not set. Fix: `pulumi config set {ns}:{field} <value>`, or set {env_key}, "
                f"or name a connections.toml connection with `pulumi config set {ns}:connectionName <name>`"
            )
    auth = str(values.get("authenticator") or "").upper()
    has_secret = values.get("password") or values.get("private_key") or values.get("private_key_path")
    if not has_secret and auth not in _NO_SECRET_AUTH:
        raise SettingsError(
            f"no credential for user {values['user']!r}. "
            f"Fix: `pulumi config set --secret {ns}:password <pw>` "
            f"(or {ns}:privateKey / {ns}:privateKeyPath for key-pair auth, or SNOWFLAKE_PASSWORD / "
            "SNOWFLAKE_PRIVATE_KEY_PATH in the environment)"
        )
