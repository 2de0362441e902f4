"""Encryption at rest for client secrets and tokens (Fernet: AES-128-CBC with HMAC-SHA256).

The key comes from ``CRM_SECRET_KEY`` or from ``<CRM_HOME>/secret.key``, created with mode 0600 by
``crm init``. Values are encrypted before they reach the database and decrypted only in memory.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from crmcore.errors import CrmError


class SecretKeyError(CrmError):
    """The key is missing or does not open what the database holds."""


def ensure_key_file(path: Path) -> None:
    """Create the key file (mode 0600) unless it exists or the key comes from the environment."""
    if os.environ.get("CRM_SECRET_KEY") or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())


def load_key(path: Path) -> bytes:
    env_key = os.environ.get("CRM_SECRET_KEY")
    if env_key:
        key = env_key.encode()
    elif path.exists():
        key = path.read_bytes().strip()
    else:
        raise SecretKeyError("No secret key: neither CRM_SECRET_KEY nor the key file is set.",
                             "Run 'crm init' to create the key file, or set CRM_SECRET_KEY.")
    try:
        Fernet(key)
    except ValueError:
        raise SecretKeyError("The secret key is not a valid Fernet key (32 url-safe base64 bytes).",
                             "Generate one with 'python -c \"from cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())\"'.") from None
    return key


class Vault:
    """Encrypts and decrypts short strings with the CRM's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                "A stored secret cannot be decrypted with the current key.",
                "Restore the key file or CRM_SECRET_KEY used when it was saved, or save the "
                "settings again and sign in again.") from None
