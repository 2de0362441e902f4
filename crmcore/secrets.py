"""Encryption at rest for client secrets and tokens (Fernet: AES-128-CBC with HMAC-SHA256).

The key comes from ``CRM_SECRET_KEY`` or from ``<CRM_HOME>/secret.key``, created with mode 0600 by
``crm init`` (in a home made 0700). As ssh does with a private key, a key file that the group or
others may read is refused, naming the ``chmod`` that fixes it. Values are encrypted before they
reach the database and decrypted only in memory. A lost or replaced key is recovered from, without
the old key, by ``crm sync configure NAME --reset-secrets`` (new client secret, sign in again).
"""
from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from crmcore.errors import CrmError


RESET_HINT = ("If the key is lost or was replaced, each connection saved under it is recovered "
              "with 'crm sync configure CONNECTOR --reset-secrets' (it asks for the client "
              "secret), then 'crm sync authorize CONNECTOR'.")


class SecretKeyError(CrmError):
    """The key is missing, exposed, or does not open what the database holds."""


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) if needed; the directory itself, when this call
    creates it, gets mode 0700."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)  # whatever the umask


def ensure_key_file(path: Path) -> None:
    """Create the key file (mode 0600) unless it exists or the key comes from the environment."""
    if os.environ.get("CRM_SECRET_KEY") or path.exists():
        return
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())


def load_key(path: Path) -> bytes:
    """The Fernet key (url-safe base64 bytes): CRM_SECRET_KEY if set, else the key file at
    ``path``. Raises :class:`SecretKeyError` naming the fix when there is none, when the file is
    readable by others (the chmod to run) or when the key is not a valid Fernet key."""
    env_key = os.environ.get("CRM_SECRET_KEY")
    if env_key:
        key = env_key.encode()
    elif path.exists():
        check_key_file_mode(path)
        key = path.read_bytes().strip()
    else:
        raise SecretKeyError("No secret key: neither CRM_SECRET_KEY nor the key file is set.",
                             "Run 'crm init' to create the key file, or set CRM_SECRET_KEY. "
                             + RESET_HINT)
    try:
        Fernet(key)
    except ValueError:
        raise SecretKeyError("The secret key is not a valid Fernet key (32 url-safe base64 bytes).",
                             "Generate one with 'python -c \"from cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())\"'.") from None
    return key


def check_key_file_mode(path: Path) -> None:
    """Raise :class:`SecretKeyError` when the group or others may read or write the key file."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretKeyError(
            f"The key file {path} is accessible by others (mode {mode:04o}), so it is not used: "
            "anyone who can read it can decrypt the client secrets and tokens.",
            f"Run 'chmod 600 {shlex.quote(str(path))}', then try again.")


class Vault:
    """Encrypts and decrypts short strings with the CRM's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, value: str) -> str:
        """``value`` encrypted with the CRM key (a Fernet token, text)."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The plain text of a Fernet ``token``. Raises :class:`SecretKeyError` (naming 'crm sync
        configure ... --reset-secrets') when the current key cannot open it; never shows the
        token."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                "A stored secret cannot be decrypted with the current key.",
                "Restore the key file or CRM_SECRET_KEY used when it was saved. " + RESET_HINT
            ) from None
