"""The contact fields, declared once: the table, validation, the CLI options and CSV use them."""
from __future__ import annotations

from crmcore.api import FieldSpec

FIELDS: list[FieldSpec] = [
    FieldSpec("salutation", "Salutation", max_length=20),
    FieldSpec("first_name", "First Name", max_length=80),
    FieldSpec("last_name", "Last Name", max_length=80, mandatory=True),
    FieldSpec("email", "Email", type="email", max_length=254),
    FieldSpec("secondary_email", "Secondary Email", type="email", max_length=254),
    FieldSpec("office_phone", "Office Phone", max_length=40),
    FieldSpec("mobile_phone", "Mobile Phone", max_length=40),
    FieldSpec("home_phone", "Home Phone", max_length=40),
    FieldSpec("title", "Title", max_length=100),
    FieldSpec("department", "Department", max_length=100),
    FieldSpec("organization", "Organization Name", max_length=120),
    FieldSpec("birthday", "Birthday", type="date"),
    FieldSpec("mailing_street", "Mailing Street", max_length=250),
    FieldSpec("mailing_city", "Mailing City", max_length=100),
    FieldSpec("mailing_state", "Mailing State", max_length=100),
    FieldSpec("mailing_zip", "Mailing Zip", max_length=20),
    FieldSpec("mailing_country", "Mailing Country", max_length=100),
    FieldSpec("description", "Description", type="text", max_length=10000),
    FieldSpec("email_opt_out", "Email Opt Out", type="boolean"),
]

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
