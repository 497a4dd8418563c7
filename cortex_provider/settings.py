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

Time limits and platform detection resolve the same way (config `cortex:loginTimeout`,
`cortex:networkTimeout`, `cortex:platformDetectionTimeout`; connections.toml `login_timeout`,
`network_timeout`, `platform_detection_timeout_seconds`; env SNOWFLAKE_LOGIN_TIMEOUT,
SNOWFLAKE_NETWORK_TIMEOUT, SNOWFLAKE_PLATFORM_DETECTION_TIMEOUT). The connector's own defaults wait
forever on a statement when Snowflake is unreachable, so both get a bound here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cortex_provider.connection_settings import PUBLIC_FIELDS, ConnectionSettings
from cortex_provider.errors import SettingsError

CONFIG_NAMESPACE = "cortex"
# field -> stack config key (camelCase, as Pulumi config keys are conventionally written)
_CONFIG_KEYS = {f: f for f in PUBLIC_FIELDS} | {
    "password": "password",
    "private_key": "privateKey",
    "private_key_path": "privateKeyPath",
    "private_key_passphrase": "privateKeyPassphrase",
}
_TOML_KEYS = {f: (f,) for f in PUBLIC_FIELDS} | {
    "password": ("password",),
    "private_key": ("private_key",),
    "private_key_path": ("private_key_file", "private_key_path"),
    "private_key_passphrase": ("private_key_file_pwd", "private_key_passphrase"),
}
_ENV_KEYS = {f: (f"SNOWFLAKE_{f.upper()}",) for f in PUBLIC_FIELDS} | {
    "password": ("SNOWFLAKE_PASSWORD",),
    "private_key": ("SNOWFLAKE_PRIVATE_KEY",),
    "private_key_path": ("SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_PRIVATE_KEY_FILE"),
    "private_key_passphrase": ("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "SNOWFLAKE_PRIVATE_KEY_FILE_PWD"),
}
# Numeric knobs: field -> (stack config key, connections.toml key, env variable, type).
_LIMITS: dict[str, tuple[str, str, str, type]] = {
    "login_timeout": ("loginTimeout", "login_timeout", "SNOWFLAKE_LOGIN_TIMEOUT", int),
    "network_timeout": ("networkTimeout", "network_timeout", "SNOWFLAKE_NETWORK_TIMEOUT", int),
    "platform_detection_timeout": (
        "platformDetectionTimeout", "platform_detection_timeout_seconds", "SNOWFLAKE_PLATFORM_DETECTION_TIMEOUT",
        float,
    ),
}
# Authenticators that need neither a password nor a private key from us.
_NO_SECRET_AUTH = {"EXTERNALBROWSER", "OAUTH", "WORKLOAD_IDENTITY", "PROGRAMMATIC_ACCESS_TOKEN"}


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
    limits = _resolve_limits(config, toml, env, namespace, sources, conn_name)
    return ConnectionSettings(**values, **limits, sources=sources)


def _resolve_limits(config: Mapping[str, Any], toml: Mapping[str, Any], env: Mapping[str, str], ns: str,
                    sources: dict[str, str], conn_name: Any) -> dict[str, Any]:
    """The time limits, first found wins as for every other field; a bad value names its key."""
    out: dict[str, Any] = {}
    for field, (config_key, toml_key, env_key, kind) in _LIMITS.items():
        candidates = (
            ("config", _config_get(config, config_key, ns), f"{ns}:{config_key}"),
            (f"connections.toml:{conn_name}", toml.get(toml_key), f"{toml_key} in connections.toml"),
            ("env", env.get(env_key), env_key),
        )
        for source, value, where in candidates:
            if value is None or value == "":
                continue
            try:
                number = kind(value)
            except (TypeError, ValueError):
                number = -1
            if number < 0:
                raise SettingsError(
                    f"{where} = {value!r} is not a number of seconds. Fix: "
                    f"`pulumi config set {ns}:{config_key} 60` (0 turns platform detection off)"
                )
            out[field], sources[field] = number, source
            break
    return out


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
