"""Every hook a plugin can implement, in three families: modules, the extension store, sync connectors.

Plugins declare; the core drives. Contribution hooks receive a ``register`` callback so the core
validates each contribution, rejects clashes and knows which plugin made it. Each spec below states
when it is called, with what, and what its return value means; ``tests/test_hookspecs.py`` fails
when a hook lacks that documentation or a ``test_hook_<name>`` test.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pluggy

if TYPE_CHECKING:
    from crmcore.extensions.context import ExtensionContext
    from crmcore.migrations.lineage import Migrations
    from crmcore.modules import ModuleSpec
    from crmcore.sync.connector import Connector

hookspec = pluggy.HookspecMarker("crm")
hookimpl = pluggy.HookimplMarker("crm")


# ----------------------------------------------------------------------------------------------
# Module hooks
# ----------------------------------------------------------------------------------------------


@hookspec
def crm_register_modules(register: "Callable[[ModuleSpec], None]") -> None:
    """Declare the modules (record types) this plugin provides.

    Called once per process, when the core first needs the module registry.

    :param register: call it with one :class:`crmcore.modules.ModuleSpec` per module: its name,
        tables, fields, mandatory fields and record store. Registering a name twice is an error
        naming both plugins.

    Return value: ignored.
    """


@hookspec
def crm_register_commands(cli: click.Group) -> None:
    """Add command groups or commands to the ``crm`` command line.

    Called once when the ``crm`` command starts, before arguments are parsed, for every loaded
    plugin (installed as an extension or not: the command itself should refuse politely, naming
    ``crm extensions install <name>``, when its extension is not installed).

    :param cli: the root ``click.Group``; add with ``cli.add_command(...)`` or ``@cli.group()``.

    Return value: ignored.
    """


# ----------------------------------------------------------------------------------------------
# Extension-store hooks
# ----------------------------------------------------------------------------------------------


@hookspec
def crm_extension_manifest() -> "dict[str, Any] | Path | None":
    """Return this plugin's extension manifest.

    Called when the store lists or installs extensions. The manifest is data (a dict, or the path
    of a JSON file) validated by ``schemas/extension-manifest.schema.json``: ``name``, ``version``,
    ``summary``, ``depends`` (extension names), ``category`` and optional fields.

    Return value: the manifest, or None when the plugin ships no extension. An invalid manifest is
    reported with the plugin's name and the JSON path of the problem.
    """


@hookspec
def crm_extension_install(context: "ExtensionContext") -> None:
    """Run this extension's own install step, after the core created the extension's tables.

    Called only on the plugin that owns the extension being installed, in dependency order, inside
    the install's transaction: raising aborts that extension's install and rolls it back, so a
    rerun starts clean.

    :param context: the extension's name and manifest, the database session, the acting admin.

    Return value: ignored.
    """


@hookspec
def crm_extension_uninstall(context: "ExtensionContext", purge: bool) -> None:
    """Run this extension's own uninstall step, before the core forgets the extension.

    Called only on the plugin that owns the extension, in reverse dependency order.

    :param context: as for ``crm_extension_install``.
    :param purge: True when the admin asked to delete the extension's data; the core drops the
        extension's tables after this hook returns.

    Return value: ignored.
    """


@hookspec
def crm_migrations() -> "Path | Migrations | None":
    """Return the folder of this extension's Alembic revisions, its migration lineage.

    Called when the core installs, upgrades, purges or reports on extensions (``crm extensions
    install``, ``crm db upgrade``, ``crm db status``), on the plugin that ships the extension named
    by its ``crm_extension_manifest``. The lineage is named after the extension and keeps its own
    version table, ``alembic_version_<name>`` (non-word characters become ``_``).

    The folder holds plain Alembic revision files (no ``env.py``: the core's is used). The first
    revision (``down_revision = None``) creates the extension's tables exactly as its models
    declare them; every later schema change adds a revision. Table changes on SQLite go through
    ``op.batch_alter_table``. Revisions must not import the plugin's models: they describe the
    schema as it was at that revision. ``crmcore.testing.migrations`` checks the migrated schema
    against the models.

    Return value: the folder (a :class:`pathlib.Path` inside the plugin's package, shipped as
    package data); or ``crmcore.api.Migrations(folder, tables=[Model, ...])`` when the extension
    owns tables that none of its modules declares (the lineage owns its modules' tables and
    these); or None when the extension has no tables of its own. An extension with tables but no
    migrations gets them created directly and can never receive a schema change.
    """


# ----------------------------------------------------------------------------------------------
# Sync-connector hooks
# ----------------------------------------------------------------------------------------------


@hookspec
def crm_register_connectors(register: "Callable[[Connector], None]") -> None:
    """Declare the sync connectors this plugin provides.

    Called once per process, when the core first needs the connector registry.

    :param register: call it with one :class:`crmcore.api.Connector` per connector.
        The connector declares its OAuth server and scopes, remote fields and limits, mandatory
        fields, default mapping and options schema, and opens sessions that read and write batches.

    Return value: ignored.
    """


@hookspec
def crm_sync_exchange(connection_id: int, run_id: int | None, exchange: "dict[str, Any]") -> None:
    """Observe one HTTP request/response exchanged by a connection during a sync.

    Called by the core's API client after every exchange when the connection's Debug Mode is on,
    after secrets were redacted (authorization headers, tokens, client secrets, fields marked
    secret). The core itself stores these exchanges as the Debug Log.

    :param connection_id: the connection whose run made the request.
    :param run_id: the sync run, or None outside a run (sign-in checks, list look-ups).
    :param exchange: ``method``, ``url``, ``status``, ``request`` and ``response`` bodies
        (redacted, truncated), ``elapsed_ms``.

    Return value: ignored.
    """


# ----------------------------------------------------------------------------------------------
# Web hooks
# ----------------------------------------------------------------------------------------------


@hookspec
def crm_register_web_pages(register: "Callable[..., None]") -> None:
    """Contribute pages to the web application (``crm web``) as a Flask Blueprint.

    Called once per web application, when :func:`crmcore.web.create_app` builds it, for every
    loaded plugin. Each view runs behind the core's sign-in (a visitor who is not signed in is
    sent to ``/login``) and its CSRF protection (every POST form carries
    ``{{ csrf_token() }}``); templates may extend the core's ``base.html``. Views reach the CRM
    and the signed-in user with ``crmcore.api.web_crm()`` and ``crmcore.api.web_user()`` and
    should call the same services as the plugin's commands.

    :param register: call ``register(blueprint, menu=None, module=None)`` with a
        ``flask.Blueprint``. ``menu`` (a label) puts a link to the blueprint's ``index`` view in
        the navigation; ``module`` names the module (record type) whose records the blueprint
        shows: its ``show`` view, taking ``record_id``, is then where the Sync Log links each
        record. Two blueprints with one name are an error naming both plugins.

    Return value: ignored.
    """
