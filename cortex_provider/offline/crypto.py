"""Pulumi's passphrase secrets format, so stack files written by ``pulumi config set --secret`` work.

Pulumi derives a 32-byte key with PBKDF2-HMAC-SHA256 (1,000,000 rounds) from
``PULUMI_CONFIG_PASSPHRASE`` and the salt in the stack file's ``encryptionsalt``
(``v1:<b64 salt>:<v1 ciphertext of "pulumi">``), and stores each secret as
``v1:<b64 nonce>:<b64 AES-256-GCM ciphertext>``. The runner uses the same crypter to keep secret
resource properties encrypted in its state file.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
_ROUNDS = 1_000_000
_CHECK = "pulumi"


class SecretsError(Exception):
    """A secret could not be decrypted or stored (wrong or missing passphrase)."""


@lru_cache(maxsize=8)
def _key(passphrase: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, _ROUNDS, 32)


class Crypter:
    def __init__(self, passphrase: str, salt: bytes) -> None:
        self._key = _key(passphrase, salt)
        self.salt = salt

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._key).encrypt(nonce, plaintext.encode(), None)
        return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"

    def decrypt(self, ciphertext: str) -> str:
        parts = ciphertext.split(":")
        if len(parts) != 3 or parts[0] != "v1":
            raise SecretsError("bad ciphertext (expected v1:<nonce>:<data>)")
        try:
            nonce, sealed = base64.b64decode(parts[1]), base64.b64decode(parts[2])
            return AESGCM(self._key).decrypt(nonce, sealed, None).decode()
        except Exception as exc:  # InvalidTag or bad base64: the passphrase is wrong
            raise SecretsError(f"cannot decrypt a secret: incorrect {PASSPHRASE_ENV}?") from exc

    def salt_state(self) -> str:
        """The ``encryptionsalt`` value Pulumi writes: salt plus an encrypted check word."""
        return f"v1:{base64.b64encode(self.salt).decode()}:{self.encrypt(_CHECK)}"


def passphrase_from_env() -> str | None:
    return os.environ.get(PASSPHRASE_ENV)


def from_salt_state(salt_state: str, passphrase: str | None) -> Crypter:
    """The crypter for an ``encryptionsalt``; checks the passphrase against the check word."""
    if passphrase is None:
        raise SecretsError(f"secrets need a passphrase: set {PASSPHRASE_ENV}")
    parts = salt_state.split(":", 2)
    if len(parts) != 3 or parts[0] != "v1":
        raise SecretsError("bad encryptionsalt (expected v1:<salt>:<check>)")
    crypter = Crypter(passphrase, base64.b64decode(parts[1]))
    if crypter.decrypt(parts[2]) != _CHECK:
        raise SecretsError(f"incorrect {PASSPHRASE_ENV}")
    return crypter


def new_crypter(passphrase: str | None) -> Crypter:
    if passphrase is None:
        raise SecretsError(f"a secret value must be stored encrypted: set {PASSPHRASE_ENV}")
    return Crypter(passphrase, os.urandom(8))
