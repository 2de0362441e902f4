"""The ``contact`` table. Column names are the field names of :mod:`crm_contacts.fields`."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, func, literal_column
from sqlmodel import Field, SQLModel

from crmcore.api import UTCField


class Contact(SQLModel, table=True):
    """A person. ``deleted_at`` set means "in the recycle bin": the row stays as a tombstone."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    salutation: str | None = Field(default=None, max_length=20)
    first_name: str | None = Field(default=None, max_length=80)
    last_name: str = Field(max_length=80)
    email: str | None = Field(default=None, max_length=254)
    email_normalised: str | None = Field(default=None, max_length=254, index=True)
    secondary_email: str | None = Field(default=None, max_length=254)
    office_phone: str | None = Field(default=None, max_length=40)
    mobile_phone: str | None = Field(default=None, max_length=40)
    home_phone: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100)
    organization: str | None = Field(default=None, max_length=120)
    birthday: date | None = None
    mailing_street: str | None = Field(default=None, max_length=250)
    mailing_city: str | None = Field(default=None, max_length=100)
    mailing_state: str | None = Field(default=None, max_length=100)
    mailing_zip: str | None = Field(default=None, max_length=20)
    mailing_country: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, sa_column=Column(Text))
    email_opt_out: bool = Field(default=False, nullable=False)
    owner_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    created_at: datetime = UTCField(default_now=True)
    modified_at: datetime = UTCField(default_now=True)
    deleted_at: datetime | None = UTCField(index=True)


# The order lists use (last name, first name, id, case-insensitive), as an index: a page of the
# list reads 50 index entries instead of sorting every contact, and with ``deleted_at`` in it
# the ids of a deep page are read from the index alone. ``list_contacts`` orders by exactly these
# expressions (a literal '', not a bound parameter, or the database cannot match them).
NAME_ORDER = (func.lower(Contact.last_name),
              func.coalesce(func.lower(Contact.first_name), literal_column("''")), Contact.id)
Index("ix_contact_name_order", *NAME_ORDER, Contact.deleted_at)
