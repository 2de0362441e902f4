"""The running CRM: settings, database engine, plugins and the secret vault, built lazily.

One ``CRM`` object per process (the CLI makes one per command); services receive it, never import
globals, so tests can run several CRMs against different databases side by side.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crmcore.config import Settings, create_private_sqlite_file, load_settings
from crmcore.db import make_engine, session_scope
from crmcore.errors import DatabaseUnavailable, NotInitialised
from crmcore.plugins import PluginHost

if TYPE_CHECKING:  # cryptography is imported when the vault is first needed
    from crmcore.secrets import Vault


class CRM:
    """One CRM: its settings, plugins, database engine (opened on first use) and secret vault."""
    def __init__(self, settings: Settings | None = None, plugins: PluginHost | None = None,
                 engine: Engine | None = None) -> None:
        self.settings = settings or load_settings()
        self._plugins = plugins
        self._engine = engine

    @cached_property
    def plugins(self) -> PluginHost:
        """The plugin host (the installed plugin packages unless one was given)."""
        return self._plugins or PluginHost()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine of CRM_DATABASE_URL, created on first use (a SQLite file and its
        home made private first). Raises :class:`DatabaseUnavailable` naming the fix."""
        if self._engine is None:
            if self.settings.database_url.startswith("sqlite"):
                if not self.settings.home.is_dir():  # cryptography loads with crmcore.secrets
                    from crmcore.secrets import make_private_dir

                    make_private_dir(self.settings.home)
                create_private_sqlite_file(self.settings.database_url)
            try:
                self._engine = make_engine(self.settings.database_url)
            except (SQLAlchemyError, ImportError) as exc:  # bad URL, or its driver is missing
                where = self.settings.database_url
                if "://" in where:
                    try:
                        where = make_url(where).render_as_string(hide_password=True)
                    except SQLAlchemyError:
                        where = where.split("://", 1)[0] + "://..."
                raise DatabaseUnavailable.from_exception(exc, f"at {where}") from None
        return self._engine

    @cached_property
    def vault(self) -> Vault:
        """The vault that encrypts and decrypts stored secrets with the CRM's key file. Raises
        :class:`SecretKeyError` (naming the fix) for a missing, invalid or group/world-readable
        key."""
        from crmcore.secrets import Vault, load_key

        return Vault(load_key(self.settings.key_file))

    def is_initialised(self) -> bool:
        """Whether ``crm init`` has run on this database (its user table exists)."""
        return inspect(self.engine).has_table("crm_user")

    def require_initialised(self) -> None:
        """Raise :class:`NotInitialised` (naming 'crm init') unless ``crm init`` has run."""
        if not self.is_initialised():
            raise NotInitialised("This CRM has no database yet.",
                                 "Run 'crm init --admin NAME' first (CRM_HOME or CRM_DATABASE_URL "
                                 "choose where).")

    def require_current_schema(self) -> None:
        """Raise :class:`crmcore.migrations.SchemaOutOfDate` when the database needs
        ``crm db upgrade``; checked once per CRM object (once per command)."""
        if not getattr(self, "_schema_checked", False):
            from crmcore.migrations.status import require_current

            require_current(self)
            self._schema_checked = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits when the block ends, rolls back on error."""
        with session_scope(self.engine) as session:
            yield session

    def close(self) -> None:
        """Dispose of the engine's pooled connections, if it was opened."""
        if self._engine is not None:
            self._engine.dispose()
