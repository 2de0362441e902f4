"""Where the CRM keeps its data, read from the environment once per process.

``CRM_HOME`` holds the SQLite database and the key file (default: the platform's user data
directory); ``CRM_DATABASE_URL`` points at any other SQLAlchemy database instead.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str

    @property
    def key_file(self) -> Path:
        return self.home / "secret.key"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("CRM_HOME") or platformdirs.user_data_dir("crm", appauthor=False))
    url = env.get("CRM_DATABASE_URL") or f"sqlite:///{home / 'crm.sqlite'}"
    return Settings(home=home, database_url=url)
