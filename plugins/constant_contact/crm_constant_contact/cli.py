"""``crm constant-contact``: the connector's own commands (its fields; the local sandbox)."""
from __future__ import annotations

import importlib
import importlib.util

import click

from crmcore.api import CrmGroup
from crmcore.api import json_option, print_json, print_table

SANDBOX_CLI = "crm_constant_contact.sandbox.cli"


class _Group(CrmGroup):
    """Adds ``sandbox`` only when that module ships, and imports it only when it is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names + ["sandbox"]) if _has_sandbox() and "sandbox" not in names else names

    def get_command(self, ctx: click.Context, name: str):
        if name == "sandbox" and name not in self.commands and _has_sandbox():
            return importlib.import_module(SANDBOX_CLI).sandbox_command
        return super().get_command(ctx, name)


def _has_sandbox() -> bool:
    try:
        return importlib.util.find_spec(SANDBOX_CLI) is not None
    except ModuleNotFoundError:
        return False


@click.group("constant-contact", cls=_Group)
def constant_contact() -> None:
    """Constant Contact: the connector's remote fields, and a local sandbox to try it against.

    Connect, sign in and sync with 'crm sync ...'; see and change the field mapping with
    'crm sync mapping constant-contact'.
    """


@constant_contact.command("fields")
@json_option
def fields(as_json: bool) -> None:
    """List the Constant Contact fields a field mapping can use, with their limits."""
    from crm_constant_contact.connector import ConstantContactConnector

    connector = ConstantContactConnector()
    rows = [{"name": f.name, "label": f.label, "type": f.type, "max_length": f.max_length,
             "mandatory": f.mandatory} for f in connector.fields]
    if as_json:
        print_json(rows)
        return
    print_table(rows, [("name", "Field"), ("label", "Label"), ("type", "Type"),
                       ("max_length", "Max length"), ("mandatory", "Mandatory")])
    click.echo("Transforms it adds: " + ", ".join(sorted(connector.transforms)) + ".")
