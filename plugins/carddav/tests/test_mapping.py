"""The default mapping against the real Contacts fields, and the birthday transform."""
from __future__ import annotations

from datetime import date

import pytest

from crmcore.api import MappingSkip
from crmcore.plugins import PluginHost
from crmcore.sync.mapping import FieldMapping

from crm_carddav.connector import VCardDate
from crm_carddav.vcard import new_card, read_card, write_card


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return PluginHost(only={"contacts", "carddav"})


@pytest.fixture
def mapping(host) -> FieldMapping:
    connector = host.connectors["carddav"].connector
    return FieldMapping.from_data(connector.default_mapping, host.modules["contacts"].spec, connector)


def test_default_mapping_is_valid_and_covers_the_promised_fields(mapping):
    pairs = {(e.crm, e.remote) for e in mapping.entries}
    assert pairs == {
        ("first_name", ("given_name",)), ("last_name", ("family_name",)),
        ("email", ("work_email",)), ("secondary_email", ("home_email",)),
        ("mobile_phone", ("cell_phone",)), ("office_phone", ("work_phone",)),
        ("home_phone", ("home_phone",)), ("organization", ("organization",)), ("title", ("title",)),
        ("mailing_street", ("work_street",)), ("mailing_city", ("work_city",)),
        ("mailing_state", ("work_region",)), ("mailing_zip", ("work_postal_code",)),
        ("mailing_country", ("work_country",)), ("birthday", ("birthday",)), ("description", ("note",))}


def test_a_contact_survives_the_round_trip_through_a_vcard(mapping):
    crm = {"first_name": "Zoë", "last_name": "O'Brien, Jr.", "email": "zoe@example.org",
           "secondary_email": "zoe@home.example", "mobile_phone": "+44 7700 900123",
           "office_phone": "+44 20 7946 0000", "home_phone": "+44 20 7946 0001",
           "organization": "Acme; Labs", "title": "CTO", "mailing_street": "1 Main St, Floor 3",
           "mailing_city": "Springfield", "mailing_state": "IL", "mailing_zip": "62701",
           "mailing_country": "USA", "birthday": date(1980, 2, 29), "description": "Line 1\nLine 2"}
    for version in ("3.0", "4.0"):
        remote = mapping.to_remote(crm).values
        values = read_card(write_card(new_card(version), remote)).values
        assert mapping.to_crm(values).values == crm


def test_birthday_with_and_without_a_year():
    t = VCardDate()
    assert t.to_remote(date(1815, 12, 10)) == ("1815-12-10",)
    assert t.to_crm(("--02-29",)) == date(1904, 2, 29)
    assert t.to_remote(date(1904, 2, 29)) == ("--02-29",)
    assert t.to_crm(("--12-10",), current=date(1815, 12, 10)) == date(1815, 12, 10)  # the CRM's year kept
    assert t.key_from_crm(t.to_crm(("--02-29",))) == t.key_from_remote(("--02-29",))
    with pytest.raises(MappingSkip):
        t.to_crm(("--13-40",))
