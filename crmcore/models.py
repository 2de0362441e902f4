"""The core's own tables: users, installed extensions and the change sequence.

Plugins declare their tables with SQLModel too; they share one ``MetaData`` whose naming convention
gives every constraint a stable name, so per-extension Alembic migrations can address them later.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    """Timezone-aware now; every stored time is UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns timezone-aware datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store an aware datetime as UTC. Raises ``ValueError`` for a naive one."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use crmcore.models.utcnow() or an aware value")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        """Read a stored datetime back as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def UTCField(default_now: bool = False, **kwargs):
    """A datetime column in UTC; ``default_now`` fills it with the time of insert."""
    if default_now:
        kwargs["default_factory"] = utcnow
    elif "default" not in kwargs:
        kwargs["default"] = None
    return Field(sa_type=UTCDateTime, **kwargs)


class User(SQLModel, table=True):
    """A CRM user: name, admin flag and, for the web sign-in, an argon2 password hash and login
    back-off state."""
    __tablename__ = "crm_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    is_admin: bool = False
    created_at: datetime = UTCField(default_now=True)
    # web sign-in: an argon2 hash (None: no password yet) and the per-account back-off state
    password_hash: str | None = Field(default=None, max_length=255)
    failed_logins: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = UTCField()


class InstalledExtension(SQLModel, table=True):
    """One row per extension whose install finished; its absence means "not installed"."""

    __tablename__ = "crm_extension"

    name: str = Field(primary_key=True, max_length=64)
    version: str = Field(max_length=32)
    installed_at: datetime = UTCField(default_now=True)
    installed_by: int | None = Field(default=None, foreign_key="crm_user.id")


class Counter(SQLModel, table=True):
    """Named monotonic counters; incrementing the row serialises writers until they commit."""

    __tablename__ = "crm_counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class Change(SQLModel, table=True):
    """One row per create, update, delete or restore of a module record, in commit order.

    ``seq`` comes from the ``change`` counter, taken under the counter's row lock, so a reader that
    has seen seq N has seen every change with a smaller seq: a sync can checkpoint on it.

    ``seq`` is the primary key (on SQLite the rowid itself, so no index of its own) and the one
    index is ``(module, seq)``: :func:`crmcore.changes.changes_since` reads a module's changes
    after a seq in seq order from it, and a purge deletes a module's changes through it. Every
    module write adds a row here, so every index more is paid on each one.
    """

    __tablename__ = "crm_change"
    __table_args__ = (Index("ix_crm_change_module_seq", "module", "seq"),)

    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    module: str = Field(max_length=64)
    record_id: int
    op: str = Field(max_length=16)
    user_id: int | None = None
    at: datetime = UTCField(default_now=True)


class KeyCheck(SQLModel, table=True):
    """A value encrypted with the secret key at ``crm init``: lets the CRM detect a wrong key."""

    __tablename__ = "crm_key_check"

    id: int | None = Field(default=None, primary_key=True)
    token: str


def core_metadata_tables() -> list:
    """The tables ``crm init`` creates: every core table, none of any plugin's."""
    from crmcore.auth import models as auth_models  # noqa: F401 - registers the tables
    from crmcore.sync import mapping_store
    from crmcore.sync import models as sync_models  # noqa: F401

    core = [User, InstalledExtension, Counter, Change, KeyCheck]
    core += auth_models.TABLES + sync_models.TABLES + mapping_store.TABLES
    return [model.__table__ for model in core]


__all__ = ["User", "InstalledExtension", "Counter", "Change", "KeyCheck", "utcnow", "UTCDateTime",
           "UTCField", "MetaData"]
