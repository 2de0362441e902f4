"""The mapping in force: default or the admin's own file, refused with its JSON path when invalid."""
from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from sqlmodel import select

from crmcore.errors import PermissionDenied, ValidationError
from crmcore.sync.mapping_store import (SyncMapping, get_mapping, mapping_info, reset_mapping,
                                        set_mapping)
from crmcore.users import get_user


class FakeFields:
    ALL = ("first", "last", "mail", "tel1", "tel2", "bmonth", "bday", "since", "star", "memo")


def user(crm, name):
    with crm.session() as session:
        return get_user(session, name)


def custom(connector):
    data = copy.deepcopy(connector.default_mapping)
    data["fields"] = [f for f in data["fields"] if f["crm"] in ("surname", "email")]
    return data


def saved_rows(crm):
    with crm.session() as session:
        return list(session.exec(select(SyncMapping)))


def test_default_applies_until_an_admin_saves_one(crm, connector):
    assert get_mapping(crm, "fake").remote_fields == FakeFields.ALL
    set_mapping(crm, user(crm, "admin"), "fake", custom(connector))
    info = mapping_info(crm, "fake")
    assert info.custom and info.updated_by == "admin" and info.updated_at.tzinfo is not None
    assert info.mapping.remote_fields == ("last", "mail")
    assert reset_mapping(crm, user(crm, "admin"), "fake") is True
    assert get_mapping(crm, "fake").remote_fields == FakeFields.ALL
    assert reset_mapping(crm, user(crm, "admin"), "fake") is False


def test_invalid_mapping_is_refused_and_nothing_saved(crm, connector):
    data = custom(connector)
    data["fields"].append({"crm": "phone", "remote": "fax"})
    with pytest.raises(ValidationError) as caught:
        set_mapping(crm, user(crm, "admin"), "fake", data)
    assert "$.fields[2].remote: 'fax' is not a Fake Service field" in caught.value.message
    assert saved_rows(crm) == []


def test_only_an_admin_changes_the_mapping(crm, connector):
    with pytest.raises(PermissionDenied):
        set_mapping(crm, user(crm, "bob"), "fake", custom(connector))
    with pytest.raises(PermissionDenied):
        reset_mapping(crm, user(crm, "bob"), "fake")
    assert saved_rows(crm) == []


def test_unknown_connector_is_named(crm):
    with pytest.raises(Exception) as caught:
        get_mapping(crm, "mailchimp")
    assert "No connector named 'mailchimp' (available: fake)" in str(caught.value)


def test_cli_show_json_file_and_reset(crm, cli, connector, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(cli, ["mapping", "fake"])
    assert shown.exit_code == 0, shown.output
    assert "the connector's default" in shown.output
    assert "birthday" in shown.output and "bmonth, bday" in shown.output and "date-month-day" in shown.output
    assert "Mandatory: CRM surname; Fake Service mail." in shown.output

    dumped = runner.invoke(cli, ["mapping", "fake", "--json"])
    assert json.loads(dumped.output) == connector.default_mapping

    good = tmp_path / "mine.json"
    good.write_text(json.dumps(custom(connector)))
    done = runner.invoke(cli, ["mapping", "fake", "--file", str(good), "--show"])
    assert done.exit_code == 0, done.output
    assert "Saved the fake mapping from mine.json" in done.output
    assert "custom, saved by admin" in done.output

    bad = tmp_path / "bad.json"
    data = custom(connector)
    data["fields"][0]["crm"] = "lastname"
    bad.write_text(json.dumps(data))
    refused = runner.invoke(cli, ["mapping", "fake", "--file", str(bad)])
    assert refused.exit_code == 2
    assert "$.fields[0].crm: 'lastname' is not a field" in refused.output
    assert json.loads(runner.invoke(cli, ["mapping", "fake", "--json"]).output) == custom(connector)

    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert "broken.json is not JSON" in runner.invoke(cli, ["mapping", "fake", "--file", str(broken)]).output

    denied = runner.invoke(cli, ["--as", "bob", "mapping", "fake", "--reset"])
    assert denied.exit_code == 3 and "Only an admin can change the field mapping" in denied.output
    reset = runner.invoke(cli, ["mapping", "fake", "--reset"])
    assert reset.exit_code == 0 and "back to the default" in reset.output
    assert json.loads(runner.invoke(cli, ["mapping", "fake", "--json"]).output) == connector.default_mapping
