"""One test per hook, named ``test_hook_<hook>``, each through the path the core really takes."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect

from crmcore import hookimpl
from crmcore.modules import FieldSpec
from crmcore.plugins import PluginError, PluginHost
from crmcore.sync.connector import Connector, OAuthServer
from fake_plugins import CommandPlugin, ExtensionPlugin, Widget


def test_hook_crm_register_modules(make_crm_env):
    env = make_crm_env(extra=[ExtensionPlugin("widgets", table=Widget)])
    crm = env.crm()
    spec = crm.plugins.modules["widgets"].spec
    assert spec.tables == [Widget] and spec.mandatory_fields == ("name",)
    assert "test_widget" not in inspect(crm.engine).get_table_names()
    env.invoke(["extensions", "install", "widgets", "-y"])
    assert "test_widget" in inspect(crm.engine).get_table_names()


def test_hook_crm_register_modules_refuses_a_name_clash():
    host = PluginHost(plugins=[ExtensionPlugin("widgets", table=Widget),
                               ExtensionPlugin("widgets", table=Widget)], only=set())
    with pytest.raises(PluginError, match="Module 'widgets' is registered by both"):
        host.modules


def test_hook_crm_register_commands(make_crm_env):
    env = make_crm_env(extra=[CommandPlugin()])
    result = env.invoke(["hello", "world"])
    assert result.exit_code == 0 and result.output == "hello world\n"
    assert "hello" in env.invoke(["--help"]).output


def test_hook_crm_extension_manifest(make_crm_env):
    env = make_crm_env(extra=[ExtensionPlugin("widgets", depends=[])])
    rows = json.loads(env.invoke(["extensions", "list", "--json"]).output)
    assert rows == [{"name": "widgets", "version": "1.2.0", "summary": "The widgets extension",
                     "depends": [], "category": "Test", "installed": False,
                     "installed_version": None, "plugin": rows[0]["plugin"]}]


def test_hook_crm_extension_manifest_invalid_is_refused_with_plugin_and_path(make_crm_env):
    class Bad:
        @hookimpl
        def crm_extension_manifest(self):
            return {"name": "Bad Name", "version": "1", "summary": "x"}

    env = make_crm_env(extra=[Bad()])
    result = env.invoke(["extensions", "list"])
    assert result.exit_code == 2
    assert "has an invalid extension manifest at $" in result.output
    assert "Bad-" in result.output  # names the plugin


def test_hook_crm_extension_install(make_crm_env):
    calls: list = []
    env = make_crm_env(extra=[ExtensionPlugin("widgets", table=Widget, calls=calls),
                              ExtensionPlugin("other", calls=calls)])
    assert env.invoke(["extensions", "install", "widgets", "-y"]).exit_code == 0
    assert calls == [("install", "widgets")]  # the other plugin's step did not run


def test_hook_crm_extension_uninstall(make_crm_env):
    calls: list = []
    env = make_crm_env(extra=[ExtensionPlugin("widgets", table=Widget, calls=calls),
                              ExtensionPlugin("other", calls=calls)])
    assert env.invoke(["extensions", "install", "widgets", "other", "-y"]).exit_code == 0
    assert env.invoke(["extensions", "uninstall", "widgets", "--purge", "-y"]).exit_code == 0
    assert calls[-1] == ("uninstall", "widgets", True)
    assert ("uninstall", "other", True) not in calls


class DummyConnector(Connector):
    name = "dummy"
    label = "Dummy"
    module = "widgets"
    extension = "widgets"
    oauth = OAuthServer(authorize_url="https://auth.invalid/a", token_url="https://auth.invalid/t",
                        api_url="https://api.invalid/v1", required_scopes=("read",))
    fields = [FieldSpec("mail", "Mail", "email", 80, mandatory=True)]
    email_field = "mail"
    default_mapping = {"module": "widgets", "connector": "dummy", "fields": []}

    def open(self, api, options):  # pragma: no cover - not used here
        raise NotImplementedError


class ConnectorPlugin:
    @hookimpl
    def crm_register_connectors(self, register):
        register(DummyConnector())


def test_hook_crm_register_connectors():
    host = PluginHost(plugins=[ConnectorPlugin()], only=set())
    info = host.connectors["dummy"]
    assert info.connector.mandatory_fields == ("mail",)
    assert info.plugin_name.startswith("ConnectorPlugin")
    clash = PluginHost(plugins=[ConnectorPlugin(), ConnectorPlugin()], only=set())
    with pytest.raises(PluginError, match="Connector 'dummy' is registered by both"):
        clash.connectors


def test_a_misspelt_hook_is_refused_naming_the_plugin():
    class Typo:
        @hookimpl
        def crm_register_modulez(self, register):
            pass

    with pytest.raises(PluginError, match=r"Plugin 'Typo-[0-9a-f]+' does not fit the hook contract"):
        PluginHost(plugins=[Typo()], only=set())


def test_hook_crm_migrations(make_crm_env):
    from crmcore.migrations.runner import current_revisions, extension_lineages
    from crmcore.testing.migrations import schema_differences
    from fake_plugins import MigratingPlugin

    env = make_crm_env(extra=[MigratingPlugin()])
    crm = env.crm()
    lineage = extension_lineages(crm)["gadgets"]
    assert lineage.version_table == "alembic_version_gadgets"
    assert lineage.tables == {"test_gadget"}
    assert env.invoke(["extensions", "install", "gadgets", "-y"]).exit_code == 0
    with crm.engine.connect() as conn:
        assert current_revisions(conn, lineage) == ("gadgets_0002",)  # both revisions ran
    assert schema_differences(crm.engine, lineage) == []
    assert env.invoke(["extensions", "uninstall", "gadgets", "--purge", "-y"]).exit_code == 0
    left = set(inspect(crm.engine).get_table_names())
    assert not {"test_gadget", "alembic_version_gadgets"} & left
    assert "alembic_version_core" in left
