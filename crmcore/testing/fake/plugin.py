"""The fake connector as a plugin (entry point ``fake`` is not installed: tests register this
module as an extra plugin, ``CrmEnv(extra_plugins=(plugin,))``, with plugins "contacts", "fake")."""
from __future__ import annotations

from pathlib import Path

from crmcore import hookimpl

MANIFEST = Path(__file__).with_name("manifest.json")


@hookimpl
def crm_extension_manifest() -> Path:
    return MANIFEST


@hookimpl
def crm_register_connectors(register) -> None:
    from crmcore.testing.fake.connector import FakeConnector

    register(FakeConnector())


@hookimpl
def crm_extension_install(context) -> None:
    """Nothing to create: links and checkpoints live in the core's sync tables."""


@hookimpl
def crm_extension_uninstall(context, purge: bool) -> None:
    """Nothing of its own to remove."""
