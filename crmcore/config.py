"""Where the CRM keeps its data, read from the environment once per process.

``CRM_HOME`` holds the SQLite database and the key file (default: the platform's user data
directory); ``CRM_DATABASE_URL`` points at any other SQLAlchemy database instead. A home the CRM
creates is private (0700), and so is a SQLite file it creates (0600; SQLite gives its -wal and
-shm files the database file's mode).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


@dataclass(frozen=True)
class Settings:
    """Where the CRM lives: ``home`` (CRM_HOME: key file, default SQLite file) and ``database_url``
    (CRM_DATABASE_URL)."""
    home: Path
    database_url: str

    @property
    def key_file(self) -> Path:
        """The secret key file (Fernet key, mode 0600) in the CRM home."""
        return self.home / "secret.key"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("CRM_HOME") or platformdirs.user_data_dir("crm", appauthor=False))
    url = env.get("CRM_DATABASE_URL") or f"sqlite:///{home / 'crm.sqlite'}"
    return Settings(home=home, database_url=url)


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL (None for another backend, an in-memory database or a bad URL)."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if not url.get_backend_name() == "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def create_private_sqlite_file(database_url: str) -> None:
    """Create the SQLite file of ``database_url`` empty with mode 0600 if it does not exist yet,
    so the database SQLite then writes into it is readable by its owner only."""
    path = sqlite_path(database_url)
    if path is None or path.exists() or not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
