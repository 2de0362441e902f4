"""The sign-in itself: authorization code with ``state`` and PKCE, through a browser and a
loopback redirect, or by pasting the redirected URL back. Touches no database: the caller stores
the tokens it returns, so a failed sign-in saves nothing.
"""
from __future__ import annotations

import os
import threading
import webbrowser
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crmcore.auth import oauth
from crmcore.auth.errors import SignInFailed
from crmcore.auth.loopback import CallbackServer
from crmcore.auth.oauth import ClientConfig

Echo = Callable[[str], None]


def open_browser(url: str) -> bool:
    """Open ``url`` with :mod:`webbrowser`, honouring the BROWSER variable as it is now."""
    for choice in [c for c in os.environ.get("BROWSER", "").split(os.pathsep) if c]:
        try:
            browser = webbrowser.get(choice)
        except webbrowser.Error:
            browser = webbrowser.GenericBrowser(choice)
        if browser.open(url):
            return True
    if os.environ.get("BROWSER"):
        return False
    return webbrowser.open(url)


def sign_in_with_browser(config: ClientConfig, *, timeout: float, echo: Echo,
                         opener: Callable[[str], bool] = open_browser) -> dict[str, Any]:
    """Open the consent page and wait up to ``timeout`` seconds for the redirect."""
    with CallbackServer(config.redirect_uri, config.connector) as server:
        pending = oauth.start(config)
        echo("Opening your browser to sign in. If it does not open, visit this address:")
        echo(pending.url)
        threading.Thread(target=opener, args=(pending.url,), name="crm-browser",
                         daemon=True).start()
        returned = server.wait(timeout)
    if returned is None:
        unit = "second" if timeout == 1 else "seconds"
        raise SignInFailed(f"No answer from the browser within {timeout:g} {unit}; nothing was saved.",
                           f"Run 'crm sync authorize {config.connector}' again (--timeout SECONDS "
                           "gives more time), or use --no-browser.")
    return finish(config, pending, returned)


def sign_in_by_paste(config: ClientConfig, *, echo: Echo, read: Callable[[], str]) -> dict[str, Any]:
    """Print the consent URL and read back the address the browser was redirected to."""
    pending = oauth.start(config)
    echo("Open this address in a browser, sign in and allow access:")
    echo(pending.url)
    echo("Your browser then goes to the redirect URI (the page may fail to load: that is fine).")
    returned = read().strip()
    if not returned:
        raise SignInFailed("No address was pasted; nothing was saved.",
                           f"Run 'crm sync authorize {config.connector} --no-browser' again.")
    return finish(config, pending, returned)


def finish(config: ClientConfig, pending: oauth.PendingSignIn, returned: str) -> dict[str, Any]:
    """Check the redirected URL (state, error) and exchange its code for tokens."""
    query = parse_qs(urlsplit(returned).query)
    again = f"Run 'crm sync authorize {config.connector}' again."
    state = (query.get("state") or [None])[0]
    error = (query.get("error") or [None])[0]
    if error:
        if error == "access_denied":
            raise SignInFailed("Access was not granted (access_denied): the sign-in was declined. "
                               "Nothing was saved.", f"{again} and choose Allow Access.")
        raise SignInFailed(f"The authorization server answered {error!r}; nothing was saved.",
                           f"Check the connector's settings (scopes, redirect URI), then: {again}")
    if state != pending.state:
        raise SignInFailed("The answer's state does not match this sign-in (an old or forged "
                           "redirect); nothing was saved.", again)
    code = (query.get("code") or [None])[0]
    if not code:
        raise SignInFailed("The redirected address has no authorization code; nothing was saved.",
                           f"Paste the whole address the browser went to. {again}")
    return oauth.exchange_code(config, pending, code)
