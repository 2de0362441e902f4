"""A user's connection to a connector: OAuth settings and tokens (encrypted), and its state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from crmcore.models import UTCField

# connection states, as the Sync window shows them
NOT_CONFIGURED = "not configured"
CONFIGURED = "configured"
SIGNED_IN = "signed in"
REAUTH_REQUIRED = "re-authorization required"


class Connection(SQLModel, table=True):
    """One user's connection to one connector. Secrets are Fernet tokens, never plain text."""

    __tablename__ = "crm_connection"
    __table_args__ = (UniqueConstraint("user_id", "connector"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="crm_user.id", index=True)
    connector: str = Field(max_length=64)
    client_id: str = Field(max_length=255)
    client_secret_enc: str | None = Field(default=None, sa_column=Column(Text))
    auth_url: str = Field(max_length=500)
    token_url: str = Field(max_length=500)
    api_url: str = Field(max_length=500)
    revoke_url: str | None = Field(default=None, max_length=500)
    redirect_uri: str = Field(max_length=500)
    scopes: str = Field(max_length=500)
    state: str = Field(default=CONFIGURED, max_length=32)
    token_enc: str | None = Field(default=None, sa_column=Column(Text))
    token_expires_at: datetime | None = UTCField()
    granted_scopes: str | None = Field(default=None, max_length=500)
    options: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # the remote account this sign-in reaches, as its connector told it: None until the first
    # run after a sign-in asks, "" when the connector cannot tell (see crmcore.sync.account)
    remote_account: str | None = Field(default=None, max_length=255)
    created_at: datetime = UTCField(default_now=True)
    updated_at: datetime = UTCField(default_now=True)


TABLES = [Connection]
