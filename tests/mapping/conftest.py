"""A made-up module and connector, so the mapping is tested without any real plugin."""
from __future__ import annotations

from pathlib import Path

import click
import pytest
from sqlmodel import SQLModel

from crmcore import hookimpl
from crmcore.app import CRM
from crmcore.cli import CrmGroup
from crmcore.cli.context import CliState
from crmcore.config import Settings
from crmcore.initialise import initialise
from crmcore.modules import FieldSpec, ModuleSpec
from crmcore.plugins import PluginHost
from crmcore.sync.connector import Connector, OAuthServer
from crmcore.sync.mapping import OMIT, Transform
from crmcore.sync.mapping_store import TABLES

PEOPLE_FIELDS = [
    FieldSpec("given", "Given name", max_length=30),
    FieldSpec("surname", "Last name", max_length=30, mandatory=True),
    FieldSpec("email", "Email", type="email", max_length=100),
    FieldSpec("phone", "Phone"),
    FieldSpec("mobile", "Mobile"),
    FieldSpec("birthday", "Birthday", type="date"),
    FieldSpec("joined", "Joined", type="date"),
    FieldSpec("vip", "VIP", type="boolean"),
    FieldSpec("notes", "Notes", type="text"),
]


def people_module() -> ModuleSpec:
    return ModuleSpec(name="people", label="People", tables=[], fields=list(PEOPLE_FIELDS))


class Stars(Transform):
    """A connector-declared transform: a boolean as "*" or nothing; False is left alone remotely."""

    name = "stars"
    crm_types = ("boolean",)
    remote_types = ("string",)

    def to_remote(self, value):
        return ("*",) if value else OMIT

    def to_crm(self, values, current=None):
        return values[0] == "*"

    def key_from_crm(self, value):
        return bool(value)

    def key_from_remote(self, values):
        return values[0] == "*"


class FakeConnector(Connector):
    name = "fake"
    label = "Fake Service"
    module = "people"
    extension = "fake"
    oauth = OAuthServer("https://auth.invalid/a", "https://auth.invalid/t", "https://api.invalid")
    fields = [
        FieldSpec("mail", "Email address", type="email", max_length=20, mandatory=True),
        FieldSpec("first", "First name", max_length=10),
        FieldSpec("last", "Last name", max_length=10),
        FieldSpec("tel1", "Phone 1"),
        FieldSpec("tel2", "Phone 2"),
        FieldSpec("bmonth", "Birthday month", type="integer"),
        FieldSpec("bday", "Birthday day", type="integer"),
        FieldSpec("since", "Since"),
        FieldSpec("star", "Star"),
        FieldSpec("memo", "Memo", type="text"),
    ]
    email_field = "mail"
    transforms = {"stars": Stars()}
    default_mapping = {
        "module": "people", "connector": "fake",
        "fields": [
            {"crm": "given", "remote": "first"},
            {"crm": "surname", "remote": "last"},
            {"crm": "email", "remote": "mail"},
            {"crm": "phone", "remote": "tel1"},
            {"crm": "mobile", "remote": "tel2"},
            {"crm": "birthday", "remote": ["bmonth", "bday"], "transform": "date-month-day"},
            {"crm": "joined", "remote": "since", "transform": "date-iso"},
            {"crm": "vip", "remote": "star", "transform": "stars"},
            {"crm": "notes", "remote": "memo", "direction": "to-remote"},
        ],
    }

    def check_limits(self, values):
        phones = [v for k, v in values.items() if k.startswith("tel") and v]
        if len(phones) > 1 and phones[0] == phones[1]:
            return "the same phone number twice"
        return None

    def open(self, api, options):  # pragma: no cover - never opened here
        raise NotImplementedError


class FakePlugin:
    @hookimpl
    def crm_register_modules(self, register):
        register(people_module())

    @hookimpl
    def crm_register_connectors(self, register):
        register(FakeConnector())


@pytest.fixture
def module() -> ModuleSpec:
    return people_module()


@pytest.fixture
def connector() -> FakeConnector:
    return FakeConnector()


@pytest.fixture
def crm(database_url: str, tmp_path: Path):
    """An initialised CRM (admin ``admin``, user ``bob``) whose only plugin is the fake one."""
    host = PluginHost(plugins=[FakePlugin()], load_entry_points=False)
    crm = CRM(Settings(home=tmp_path / "home", database_url=database_url), plugins=host)
    admin = initialise(crm, "admin")
    SQLModel.metadata.create_all(crm.engine, tables=[t.__table__ for t in TABLES], checkfirst=True)
    from crmcore.users import add_user
    with crm.session() as session:
        add_user(session, admin, "bob")
    yield crm
    crm.close()


@pytest.fixture
def cli(crm):
    """A root group holding only ``mapping``, as the ``sync`` group will."""
    from crmcore.cli.sync_mapping import mapping_command

    @click.group(cls=CrmGroup)
    @click.option("--as", "as_user")
    @click.pass_context
    def root(ctx, as_user):
        ctx.obj = CliState(crm=crm, as_user=as_user)

    root.add_command(mapping_command)
    return root
