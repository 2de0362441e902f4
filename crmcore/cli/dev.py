"""``crm dev``: tools for people writing plugins."""
from __future__ import annotations

from pathlib import Path

import click


@click.group("dev")
def dev_group() -> None:
    """Tools for plugin authors: 'crm dev new-connector NAME' writes a connector package."""


@dev_group.command("new-connector")
@click.argument("name")
@click.option("--dir", "where", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to create the crm-NAME folder.")
@click.option("--label", help="The service's name as people read it (default: from NAME).")
def new_connector_cmd(name: str, where: Path, label: str | None) -> None:
    """Write a connector package skeleton, crm-NAME: pyproject with the entry point, manifest,
    connector class, default mapping, and a test running the conformance suite against a fake
    remote. It installs, loads and passes as generated:

      crm dev new-connector acme-book && pip install -e crm-acme-book && pytest crm-acme-book/tests
    """
    from crmcore.dev.skeleton import new_connector

    root = new_connector(name, where, label)
    click.echo(f"Wrote {root}. Next: 'pip install -e {root}', then 'pytest {root / 'tests'}'; "
               "see docs/writing-a-connector.md.")


def register(cli: click.Group) -> None:
    cli.add_command(dev_group)
