"""``crm extensions``: the extension store."""
from __future__ import annotations

import click

from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import confirm, json_option, print_json, print_table
from crmcore.users import require_admin


@click.group()
def extensions() -> None:
    """Available and installed extensions; installing and uninstalling is for admins."""


@extensions.command("list")
@json_option
@pass_crm
def list_(crm, as_json: bool) -> None:
    """List available and installed extensions with version, summary and dependencies."""
    from crmcore.extensions import store

    with crm.session() as session:
        rows = [s.as_dict() for s in store.statuses(crm, session)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["state"] = (f"installed {row['installed_version']}" if row["installed"]
                        else "available")
    print_table(rows, [("name", "Name"), ("version", "Version"), ("state", "State"),
                       ("depends", "Depends"), ("category", "Category"), ("summary", "Summary")],
                empty="No extensions are available: install a plugin package first.")


@extensions.command("install")
@click.argument("names", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_crm
def install(crm, names: tuple[str, ...], yes: bool) -> None:
    """Install extensions NAMES and their dependencies, dependencies first (admin only)."""
    from crmcore.extensions import store

    with crm.session() as session:
        user = acting_user(session)
        require_admin(user, "install extensions")
        plan = store.install_plan(crm, session, list(names))
    if not plan:
        click.echo("Already installed: " + ", ".join(names) + ".")
        return
    listing = ", ".join(f"{m.name} {m.version}" for m in plan)
    if not yes:
        confirm(f"Install {listing}?")
    for manifest in store.install(crm, user, list(names)):
        click.echo(f"Installed {manifest.name} {manifest.version}.")


@extensions.command("uninstall")
@click.argument("names", nargs=-1, required=True)
@click.option("--purge", is_flag=True, help="Also delete the extensions' data (tables).")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_crm
def uninstall(crm, names: tuple[str, ...], purge: bool, yes: bool) -> None:
    """Uninstall extensions NAMES, dependents first (admin only). Data is kept unless --purge."""
    from crmcore.extensions import store

    with crm.session() as session:
        user = acting_user(session)
        require_admin(user, "uninstall extensions")
        order = store.uninstall_plan(crm, session, list(names))
    if not yes:
        what = " and DELETE their data" if purge else " (their data is kept)"
        confirm(f"Uninstall {', '.join(order)}{what}?")
    for name in store.uninstall(crm, user, list(names), purge=purge):
        click.echo(f"Uninstalled {name}{' and deleted its data' if purge else ''}.")
