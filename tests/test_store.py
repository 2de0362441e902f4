"""The extension store: dependency order, admin-only, refusals, failed installs, purge."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect

from crmcore.errors import PermissionDenied, ValidationError
from crmcore.extensions import store
from crmcore.users import add_user, get_user
from fake_plugins import ExtensionPlugin, Gadget, Widget


@pytest.fixture
def three(make_crm_env):
    calls: list = []
    plugins = [ExtensionPlugin("gizmo", depends=["widgets", "gadgets"], calls=calls),
               ExtensionPlugin("widgets", table=Widget, calls=calls),
               ExtensionPlugin("gadgets", depends=["widgets"], table=Gadget, calls=calls)]
    env = make_crm_env(extra=plugins)
    return env, calls


def test_install_runs_dependencies_first_and_only_each_extensions_own_step(three):
    env, calls = three
    result = env.invoke(["extensions", "install", "gizmo", "-y"])
    assert result.exit_code == 0, result.output
    assert calls == [("install", "widgets"), ("install", "gadgets"), ("install", "gizmo")]
    crm = env.crm()
    tables = set(inspect(crm.engine).get_table_names())
    assert {"test_widget", "test_gadget"} <= tables
    with crm.session() as s:
        assert {n: r.version for n, r in store.installed(s).items()} == {
            "widgets": "1.2.0", "gadgets": "1.2.0", "gizmo": "1.2.0"}
    listing = json.loads(env.invoke(["extensions", "list", "--json"]).output)
    assert {row["name"]: row["installed"] for row in listing} == {
        "widgets": True, "gadgets": True, "gizmo": True}


def test_install_asks_for_confirmation(three):
    env, calls = three
    result = env.invoke(["extensions", "install", "gadgets"], input="n\n")
    assert result.exit_code != 0
    assert "Install widgets 1.2.0, gadgets 1.2.0?" in result.output
    assert calls == []


def test_non_admin_is_refused_in_the_core_not_only_the_cli(three):
    env, calls = three
    crm = env.crm()
    with crm.session() as s:
        add_user(s, get_user(s, "admin"), "bob")
    with crm.session() as s:
        bob = get_user(s, "bob")
    with pytest.raises(PermissionDenied, match="Only an admin can install extensions"):
        store.install(crm, bob, ["widgets"])
    with pytest.raises(PermissionDenied):
        store.uninstall(crm, bob, ["widgets"])
    result = env.invoke(["extensions", "install", "widgets", "-y"], user="bob")
    assert result.exit_code == 3
    assert "Only an admin" in result.output
    assert calls == []


def test_uninstall_is_refused_while_an_installed_extension_depends_on_it(three):
    env, calls = three
    env.invoke(["extensions", "install", "gadgets", "-y"])
    result = env.invoke(["extensions", "uninstall", "widgets", "-y"])
    assert result.exit_code == 2
    assert "the installed extension 'gadgets' depends on it" in result.output
    assert "crm extensions uninstall gadgets widgets" in result.output
    result = env.invoke(["extensions", "uninstall", "widgets", "gadgets", "-y"])
    assert result.exit_code == 0, result.output
    assert [c for c in calls if c[0] == "uninstall"] == [
        ("uninstall", "gadgets", False), ("uninstall", "widgets", False)]
    # data kept without --purge
    assert "test_widget" in inspect(env.crm().engine).get_table_names()


def test_uninstall_with_purge_drops_the_tables(three):
    env, _ = three
    env.invoke(["extensions", "install", "widgets", "-y"])
    result = env.invoke(["extensions", "uninstall", "widgets", "--purge", "-y"])
    assert result.exit_code == 0, result.output
    assert "test_widget" not in inspect(env.crm().engine).get_table_names()


def test_a_failed_install_leaves_nothing_and_a_rerun_works(make_crm_env):
    calls: list = []
    flaky = ExtensionPlugin("widgets", table=Widget, fail_install=1, calls=calls)
    env = make_crm_env(extra=[flaky])
    result = env.invoke(["extensions", "install", "widgets", "-y"])
    assert result.exit_code == 1
    assert "Installing 'widgets' failed: RuntimeError: disk on fire" in result.output
    crm = env.crm()
    with crm.session() as s:
        assert store.installed(s) == {}
    assert "test_widget" not in inspect(crm.engine).get_table_names()
    result = env.invoke(["extensions", "install", "widgets", "-y"])
    assert result.exit_code == 0, result.output
    with crm.session() as s:
        assert list(store.installed(s)) == ["widgets"]
        assert s.exec(__import__("sqlmodel").select(Widget)).all() == []


def test_unknown_extension_and_missing_dependency(make_crm_env):
    env = make_crm_env(extra=[ExtensionPlugin("orphan", depends=["ghost"])])
    result = env.invoke(["extensions", "install", "nothing", "-y"])
    assert result.exit_code == 1 and "No extension named 'nothing'" in result.output
    result = env.invoke(["extensions", "install", "orphan", "-y"])
    assert "No extension named 'ghost' is available (needed by 'orphan')" in result.output


def test_dependency_cycle_is_refused(make_crm_env):
    env = make_crm_env(extra=[ExtensionPlugin("a", depends=["b"]), ExtensionPlugin("b", depends=["a"])])
    crm = env.crm()
    with crm.session() as s, pytest.raises(ValidationError, match="cycle: a -> b -> a"):
        store.install_plan(crm, s, ["a"])
