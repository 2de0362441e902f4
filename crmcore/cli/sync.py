"""``crm sync``: the Sync window (connectors, OAuth settings, sign in, revoke).

``sync_group`` exists at import time so other modules attach their commands (settings, now, log,
debug-log) to the same group; :func:`register` adds it to the root command.
"""
from __future__ import annotations

import sys

import click

from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import confirm, json_option, print_json, print_table

_user_option = click.option("--user", "user_name", metavar="NAME",
                            help="Act on this user's connection (admins only; default: yourself).")


@click.group("sync")
def sync_group() -> None:
    """The Sync window: your connectors and their state, OAuth settings, sign in, revoke.

    Connectors are per user: each user configures the OAuth settings of their own connection
    (client id and secret of the app registered with the service), signs in once in a browser,
    and can revoke access at any time. Start with 'crm sync connectors'.
    """


def register(cli: click.Group) -> None:
    """Add the ``crm sync`` group to ``cli``."""
    cli.add_command(sync_group)


@sync_group.command("connectors")
@json_option
@_user_option
@pass_crm
def connectors_cmd(crm, as_json: bool, user_name: str | None) -> None:
    """List the connectors with your connection's state, and the ones available to add."""
    from crmcore.auth import connections

    with crm.session() as session:
        user = connections.target_user(session, acting_user(session), user_name)
    rows = connections.connectors_overview(crm, user)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["sync_summary"] = (row.get("sync") or {}).get("summary", "")
    print_table(rows, [("name", "Connector"), ("label", "Service"), ("state", "State"),
                       ("sync_summary", "Sync"), ("next", "Next step")],
                empty="No connectors: install a connector plugin package, then "
                      "'crm extensions list'.")


@sync_group.command("configure", context_settings={"ignore_unknown_options": True,
                                                  "allow_extra_args": True})
@click.argument("name")
@click.option("--client-id", help="The OAuth app's client id (some services call it the API key).")
@click.option("--client-secret", metavar="-|SECRET",
              help="The app's client secret (stored encrypted). Leave it out to be asked for it "
              "(hidden input) or to read it from standard input; '-' reads standard input too. "
              "A secret typed as an argument stays in the shell history and the process list.")
@click.option("--auth-url", help="Authorization endpoint (default: the connector's).")
@click.option("--token-url", help="Token endpoint (default: the connector's).")
@click.option("--api-url", help="API base URL (default: the connector's).")
@click.option("--revoke-url", help="Token revocation endpoint (default: the connector's).")
@click.option("--scopes", help='Scopes, space separated, e.g. "contact_data offline_access".')
@click.option("--redirect-uri", help="Redirect URI registered on the app "
              "(default: http://127.0.0.1:8765/callback).")
@click.option("--no-offline", "no_offline", is_flag=True,
              help="Do not add the connector's offline scope (no refresh token: no background sync).")
@click.option("--allow-insecure-http/--refuse-insecure-http", "allow_insecure_http", default=None,
              help="Allow plain http:// URLs on other machines (tokens and the secret then travel "
              "unencrypted; loopback addresses are always allowed). Default: refused; the choice "
              "is kept until changed.")
@click.option("--reset-secrets", is_flag=True,
              help="The key was lost or replaced: drop the saved client secret and sign-in "
              "without decrypting them, save the new client secret (asked for), then sign in "
              "again with 'crm sync authorize NAME'.")
@click.option("-y", "--yes", is_flag=True,
              help="Do not ask before settings that may reach another account (the next sync "
                   "then starts fresh there).")
@_user_option
@click.pass_context
@pass_crm
def configure_cmd(crm, ctx, name: str, client_id, client_secret, auth_url, token_url, api_url,
                  revoke_url, scopes, redirect_uri, no_offline: bool, allow_insecure_http,
                  reset_secrets: bool, yes: bool, user_name) -> None:
    """Save the settings of your NAME connection; unset options keep their saved values.

    An OAuth connector takes the options below. Any other connector takes one option per
    setting of its settings schema (e.g. '--url URL --username NAME'; 'crm sync connectors'
    shows them); its secrets (a password, an API key) are read from standard input or asked for
    with hidden input, one line each, then 'crm sync test NAME' checks them.

    The client secret is read from standard input, or asked for with hidden input, whenever it
    is needed and not saved yet:

      crm sync configure NAME --client-id ID < secret.txt

    A new client id or API URL on a connection that has synced may reach another account: the
    command says so and asks first (-y to confirm). Links and checkpoints belong to the account
    they were made with, so the first sync with another account starts fresh, matching contacts
    by email.
    """
    from crmcore.auth import connections
    from crmcore.auth.credentials import uses_oauth

    notes: list[str] = []
    with crm.session() as session:
        user = connections.target_user(session, acting_user(session), user_name)
    connector = connections.get_connector(crm, name)
    if not uses_oauth(connector):
        _configure_settings(crm, user, connector, ctx.args, api_url, bool(allow_insecure_http))
        return
    if ctx.args:
        raise click.UsageError(f"No such option: {ctx.args[0]} ({name} takes the OAuth options "
                               "listed by 'crm sync configure --help').")
    if client_secret == "-" or (client_secret is None and (
            reset_secrets or not connections.has_client_secret(crm, user, name))):
        client_secret = _read_secret()
    settings = dict(client_id=client_id, client_secret=client_secret, auth_url=auth_url,
                    token_url=token_url, api_url=api_url, revoke_url=revoke_url, scopes=scopes,
                    redirect_uri=redirect_uri)
    options = dict(offline=not no_offline, notes=notes, allow_insecure_http=allow_insecure_http,
                   reset_secrets=reset_secrets)
    try:
        row = connections.configure(crm, user, name, confirm_account_change=yes, **options,
                                    **settings)
    except connections.AccountChangeUnconfirmed as exc:
        click.echo(f"{exc.message}\n(-y saves without asking.)")
        confirm("Save these settings?")
        row = connections.configure(crm, user, name, confirm_account_change=True, **options,
                                    **settings)
        notes = [n for n in notes if n != exc.message]
    for note in notes:
        click.echo(note)
    click.echo(f"Saved the OAuth settings of {user.name}'s {name} connection "
               f"(scopes: {row.scopes}; redirect URI: {row.redirect_uri}).")
    if row.state != "signed in":
        click.echo(f"Next: 'crm sync authorize {name}' to sign in.")


def _configure_settings(crm, user, connector, args: list[str], api_url: str | None,
                        insecure: bool) -> None:
    """``crm sync configure`` for a connector whose settings schema says what to ask."""
    from crmcore.auth.credentials import configure_settings, saved_settings
    from crmcore.contract.auth import secret_names

    schema = connector.settings_schema or {}
    props = schema.get("properties") or {}
    given: dict = {"url": api_url} if api_url else {}
    rest = list(args)
    while rest:
        option = rest.pop(0)
        if not option.startswith("--"):
            raise click.UsageError(f"Unexpected argument {option!r}.")
        key, _, value = option[2:].partition("=")
        key = key.replace("-", "_")
        if key not in props:
            known = ", ".join("--" + p.replace("_", "-") for p in props) or "none"
            raise click.UsageError(f"No such setting for {connector.name}: --{key} (known: {known}).")
        if not _ and not value:
            if not rest:
                raise click.UsageError(f"--{key.replace('_', '-')} needs a value.")
            value = rest.pop(0)
        prop = props[key] if isinstance(props[key], dict) else {}
        if prop.get("type") == "integer":
            value = int(value)
        elif prop.get("type") == "boolean":
            value = value.lower() in ("1", "true", "on", "yes")
        given[key] = value
    with crm.session() as session:
        from sqlmodel import select

        from crmcore.auth.models import Connection
        row = session.exec(select(Connection).where(Connection.user_id == user.id,
                                                    Connection.connector == connector.name)).first()
        saved = saved_settings(crm, row) if row is not None else {}
    for key in secret_names(schema):
        if given.get(key) == "-" or (key not in given and not saved.get(key)):
            given[key] = _read_secret(props[key].get("title") or key)
    configure_settings(crm, user, connector, given, allow_insecure_http=insecure)
    click.echo(f"Saved the settings of {user.name}'s {connector.name} connection (secrets "
               f"encrypted). Next: 'crm sync test {connector.name}' to check them.")


def _read_secret(what: str = "Client secret") -> str | None:
    """The client secret from a hidden prompt (a terminal) or the first line of standard input."""
    stdin = sys.stdin
    if stdin.isatty():
        value = click.prompt(f"{what} (hidden)", hide_input=True, default="",
                             show_default=False, err=True)
    else:
        value = stdin.readline()
    return value.strip() or None


@sync_group.command("authorize")
@click.argument("name")
@click.option("--no-browser", is_flag=True,
              help="Print the sign-in address and read back the address the browser ends on.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Seconds to wait for the browser's answer.")
@_user_option
@pass_crm
def authorize_cmd(crm, name: str, no_browser: bool, timeout: float, user_name) -> None:
    """Sign in to NAME: allow access in the browser, then come back here."""
    from crmcore.auth import connections

    with crm.session() as session:
        user = connections.target_user(session, acting_user(session), user_name)

    def read() -> str:
        return click.prompt("Paste the address your browser was redirected to", type=str,
                            prompt_suffix=":\n", show_default=False, err=True)

    row = connections.authorize(crm, user, name, browser=not no_browser, timeout=timeout,
                                echo=click.echo, read=read)
    click.echo(f"Signed in: {user.name}'s {name} connection is ready "
               f"(granted scopes: {row.granted_scopes or 'not reported'}).")
    token_scopes = set((row.granted_scopes or row.scopes).split())
    offline = connections.get_connector(crm, name).oauth.offline_scope
    if offline and offline not in token_scopes:
        click.echo(f"Warning: {offline} was not granted, so there is no background sync.")


@sync_group.command("revoke")
@click.argument("name")
@_user_option
@pass_crm
def revoke_cmd(crm, name: str, user_name) -> None:
    """Revoke Access to NAME: tokens forgotten here (and revoked there if possible); syncs stop."""
    from crmcore.auth import connections

    with crm.session() as session:
        user = connections.target_user(session, acting_user(session), user_name)
    confirmed = connections.revoke(crm, user, name)
    remote = ("the service confirmed the revocation" if confirmed
              else "the service could not confirm it; you can also remove the app's access there")
    click.echo(f"Access revoked: {user.name}'s {name} tokens are forgotten and its syncs stop "
               f"({remote}). Sign in again with 'crm sync authorize {name}'.")


@sync_group.command("test")
@click.argument("name")
@_user_option
@pass_crm
def test_cmd(crm, name: str, user_name) -> None:
    """Test connection: check the saved credentials of NAME with one request to the service.

    Says "ready" when the service answers as expected; otherwise what failed and what to do
    (new credentials: 'crm sync configure NAME ...'; OAuth: 'crm sync authorize NAME').
    """
    from crmcore.auth import connections
    from crmcore.auth.credentials import test_connection

    with crm.session() as session:
        user = connections.target_user(session, acting_user(session), user_name)
    state = test_connection(crm, user, name)
    click.echo(f"Connected: {user.name}'s {name} connection is {state}.")
