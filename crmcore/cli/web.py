"""``crm web``: serve the web application with waitress."""
from __future__ import annotations

import click

from crmcore.cli.context import state


def serve(crm, host: str, port: int, threads: int = 8, secure_cookies: bool = False,
          proxy_hops: int = 0, echo=click.echo) -> None:
    """Build the app on ``crm`` and serve it with waitress until interrupted."""
    import waitress

    from crmcore.web import create_app

    app = create_app(crm, secure_cookies=secure_cookies, proxy_hops=proxy_hops)
    shown = f"[{host}]" if ":" in host else host
    echo(f"Serving the CRM at http://{shown}:{port}/ (Ctrl+C stops it).")
    waitress.serve(app, host=host, port=port, threads=threads, ident="crm", _quiet=True)


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests served at once.")
@click.option("--secure-cookies", is_flag=True, envvar="CRM_WEB_SECURE_COOKIES",
              help="Send the session cookie over https only (behind a TLS reverse proxy).")
@click.option("--proxy-hops", type=click.IntRange(0, 5), default=0, show_default=True,
              envvar="CRM_WEB_PROXY_HOPS",
              help="Trust X-Forwarded-For/-Proto/-Host/-Prefix from this many reverse proxies.")
def web_command(host: str, port: int, threads: int, secure_cookies: bool, proxy_hops: int) -> None:
    """Serve the web application: Contacts, the Sync window, the Extension Store.

    Users sign in with the password set by 'crm users set-password NAME'. Behind a reverse
    proxy (TLS), run it on 127.0.0.1 with --secure-cookies --proxy-hops 1.
    """
    crm = state().crm
    crm.require_initialised()
    crm.require_current_schema()
    serve(crm, host, port, threads, secure_cookies, proxy_hops)


def register(cli: click.Group) -> None:
    """Add ``crm web`` to ``cli``."""
    cli.add_command(web_command)
