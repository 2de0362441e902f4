"""The plugin through the public hooks: manifest, connector declaration, commands, custom mapping."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator
from sqlmodel import SQLModel

from crmcore.extensions.manifest import parse_manifest
from crmcore.sync import mapping_store

from crm_constant_contact import plugin, translate


def test_manifest_and_connector_declaration(host, connector):
    manifest = parse_manifest(plugin.crm_extension_manifest(), "constant-contact")
    assert (manifest.name, manifest.depends, manifest.category) == ("constant-contact", ("contacts",), "Marketing")
    assert host.connectors["constant-contact"].plugin_name == "constant-contact"
    assert (connector.name, connector.module, connector.extension) == ("constant-contact", "contacts",
                                                                      "constant-contact")
    assert connector.mandatory_fields == ("email_address",)
    assert connector.oauth.required_scopes == ("contact_data",)
    assert connector.oauth.offline_scope in connector.oauth.default_scopes
    assert connector.oauth.token_url.endswith("/oauth2/default/v1/token")
    Draft202012Validator.check_schema(connector.options_schema)
    limits = {f.name: f.max_length for f in connector.fields}
    assert limits["email_address"] == 80 and limits["company_name"] == 50
    assert limits["other_phone"] == 25 and limits["work_street"] == 255 and limits["anniversary"] == 10


def test_quota_is_told_apart_from_throttling(connector):
    assert connector.is_quota_exhausted(429, {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"})
    assert not connector.is_quota_exhausted(429, {"error_key": "throttled", "error_message": "Too Many Requests"})
    assert not connector.is_quota_exhausted(500, {"error_key": "quota_exceeded"})
    assert not connector.is_quota_exhausted(429, None)


@pytest.mark.parametrize("values, reason", [
    ({"home_phone": "1", "work_phone": "2", "mobile_phone": "3", "other_phone": "4"},
     "4 phone numbers; Constant Contact allows 3"),
    ({"birthday_month": 5, "birthday_day": None}, "birthday needs both a month and a day in Constant Contact"),
    ({"birthday_month": 13, "birthday_day": 1}, "birthday 13/1 is not a month (1-12) and a day (1-31)"),
    ({"anniversary": "2020.01.01"}, "not in a layout Constant Contact accepts"),
    ({"anniversary": "2/30/2020"}, "anniversary '2/30/2020' is not a real date"),
    ({"permission_to_send": "maybe"}, "permission to send 'maybe' is not one of"),
])
def test_check_limits(connector, values, reason):
    assert reason in connector.check_limits(values)


@pytest.mark.parametrize("values", [
    {"home_phone": "1", "work_phone": "2", "mobile_phone": "3", "other_phone": ""},
    {"birthday_month": 2, "birthday_day": 29, "anniversary": "6-1-2010"},
    {"anniversary": "2010/6/1", "permission_to_send": "unsubscribed"},
])
def test_check_limits_accepts(connector, values):
    assert connector.check_limits(values) is None


@pytest.mark.parametrize("text, expected", [
    ("2024-10-30T18:56:35Z", datetime(2024, 10, 30, 18, 56, 35, tzinfo=timezone.utc)),
    ("2016-03-03T10:53:04-05:00", datetime(2016, 3, 3, 15, 53, 4, tzinfo=timezone.utc)),
    ("2016-01-23T13:48:44.108Z", datetime(2016, 1, 23, 13, 48, 44, 108000, tzinfo=timezone.utc)),
    ("2016-01-23T13:48:44.1234567+01:00", datetime(2016, 1, 23, 12, 48, 44, 123456, tzinfo=timezone.utc)),
    ("2022-08-15", datetime(2022, 8, 15, tzinfo=timezone.utc)),
])
def test_parse_time(text, expected):
    assert translate.parse_time(text) == expected


def test_conflict_id_from_the_documented_message():
    body = [{"error_key": "contacts.api.conflict",
             "error_message": "Validation failed: Email already exists for contact 3f2b4a5c-1d2e-4f60-8a9b-0c1d2e3f4a5b"}]
    assert translate.conflict_id(body) == "3f2b4a5c-1d2e-4f60-8a9b-0c1d2e3f4a5b"
    assert translate.conflict_id([{"error_key": "x", "error_message": "other"}]) is None


def test_commands(make_crm_env):
    env = make_crm_env("contacts", "constant-contact")
    listed = env.invoke(["constant-contact", "--help"])
    assert listed.exit_code == 0 and "fields" in listed.output and "sandbox" in listed.output
    fields = env.invoke(["constant-contact", "fields", "--json"])
    assert {"name": "email_address", "label": "Email address", "type": "email", "max_length": 80,
            "mandatory": True} in json.loads(fields.output)


def test_custom_mapping_is_used_and_invalid_one_refused(make_crm_env, connector):
    env = make_crm_env("contacts", "constant-contact")
    assert env.invoke(["extensions", "install", "-y", "constant-contact"]).exit_code == 0
    crm = env.crm()
    try:
        SQLModel.metadata.create_all(crm.engine, tables=[t.__table__ for t in mapping_store.TABLES])
        assert mapping_store.get_mapping(crm, "constant-contact").data == connector.default_mapping
        with crm.session() as session:
            from crmcore.users import get_user
            admin = get_user(session, "admin")
        mine = copy.deepcopy(connector.default_mapping)
        mine["fields"] = [f for f in mine["fields"] if f["crm"] in ("last_name", "email", "title")]
        mine["fields"].append({"crm": "department", "remote": "company_name", "direction": "to-remote"})
        mapping_store.set_mapping(crm, admin, "constant-contact", mine)
        used = mapping_store.get_mapping(crm, "constant-contact")
        assert used.remote_fields == ("last_name", "email_address", "job_title", "company_name")
        assert used.to_remote({"last_name": "L", "email": "l@example.com", "department": "R&D"}).values == {
            "last_name": "L", "email_address": "l@example.com", "job_title": None, "company_name": "R&D"}
        bad = copy.deepcopy(mine)
        bad["fields"][1]["remote"] = "email"
        with pytest.raises(Exception) as caught:
            mapping_store.set_mapping(crm, admin, "constant-contact", bad)
        assert "$.fields[1].remote: 'email' is not a Constant Contact field" in str(caught.value)
        assert mapping_store.get_mapping(crm, "constant-contact").data == mine
    finally:
        crm.close()
