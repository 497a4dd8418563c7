"""The resolved connection settings (settings.py resolves them from stack config, connections.toml and the
environment): what the connector is given, a cache key that never holds a secret in the clear, and the
URL error messages name. Secrets are pydantic SecretStr: repr/str/model_dump show '**********'."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from cortex_provider.errors import SettingsError

PUBLIC_FIELDS = (
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
SECRET_FIELDS = ("password", "private_key", "private_key_passphrase")
LOCAL_HOSTS = ("localhost",)


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
    # Seconds the connector may spend logging in, and retrying one request that got no answer (the
    # connector's default for the latter is forever: a Snowflake that went away hung `up` for good).
    # network_timeout reaches the connector as its backoff policy (retry.bounded_backoff), not as its
    # network_timeout, which would also cancel every query running longer than that.
    login_timeout: int = 60
    network_timeout: int = 60
    # Seconds for the connector's cloud-metadata probes on login (0: none are sent; None: the
    # connector's default, 0.2 s). Unset, it is 0 for a loopback host (the emulator): see
    # platform_detection_kwarg.
    platform_detection_timeout: float | None = None
    sources: dict[str, str] = {}  # field -> where it came from ("config", "connections.toml:x", "env")

    def cache_key(self) -> tuple[Any, ...]:
        """Identity of the connection these settings open (secrets folded into a digest)."""
        digest = hashlib.sha256()
        for name in SECRET_FIELDS:
            secret = getattr(self, name)
            digest.update(b"\x00" + (secret.get_secret_value().encode() if secret else b"\x01"))
        public = tuple(getattr(self, f if f != "schema" else "schema_") for f in PUBLIC_FIELDS)
        limits = (self.login_timeout, self.network_timeout, self.platform_detection_timeout)
        return (*public, *limits, digest.hexdigest())

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for snowflake.connector.connect (private key as DER bytes)."""
        kwargs: dict[str, Any] = {
            "account": self.account,
            "user": self.user,
            "login_timeout": self.login_timeout,
        }
        for name in PUBLIC_FIELDS[2:]:
            value = getattr(self, "schema_" if name == "schema" else name)
            if value is not None:
                kwargs[name] = value
        detection = self.platform_detection_seconds()
        if detection is not None:
            kwargs["platform_detection_timeout_seconds"] = detection
        if self.private_key is not None:
            kwargs["private_key"] = pem_to_der(self.private_key, self.private_key_passphrase)
            kwargs.setdefault("authenticator", "SNOWFLAKE_JWT")
        elif self.password is not None:
            kwargs["password"] = self.password.get_secret_value()
        return kwargs

    def platform_detection_seconds(self) -> float | None:
        """The connector's platform_detection_timeout_seconds: as set, else 0 (no probe of cloud
        metadata addresses) when the host is a loopback address such as the local emulator."""
        if self.platform_detection_timeout is not None:
            return self.platform_detection_timeout
        return 0.0 if self.host is not None and is_loopback(self.host) else None

    def url(self) -> str:
        """The URL the connector talks to."""
        host = self.host or f"{self.account}.snowflakecomputing.com"
        return f"{self.protocol or 'https'}://{host}:{self.port or 443}"

    def endpoint(self) -> str:
        """Where a connection goes, for error messages: URL, account and user (never a secret)."""
        return f"{self.url()} (account {self.account!r}, user {self.user!r})"

    def secrets(self) -> list[str]:
        """Secret values, so error text can be scrubbed of them."""
        return [
            s.get_secret_value() for s in (self.password, self.private_key, self.private_key_passphrase) if s
        ]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
