"""A one-shot HTTP server on 127.0.0.1 that catches the browser's redirect after sign-in.

It answers the first request to the redirect URI's path with a small page ("You can close this
window") and stops; anything else (a favicon) gets a 404 and does not count. Bound before the
browser opens, so the redirect cannot arrive too early.
"""
from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from crmcore.errors import CrmError

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p>
<p>You can close this window.</p></body></html>"""


class CallbackServer:
    """Waits for one redirect to ``redirect_uri`` (an http URL on a loopback host)."""

    def __init__(self, redirect_uri: str, connector: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or not parts.port:
            raise CrmError(
                f"The redirect URI {redirect_uri} is not an http://127.0.0.1:PORT/... address, so "
                "the CRM cannot catch the browser's return by itself.",
                f"Use 'crm sync authorize {connector} --no-browser', or configure a loopback "
                f"redirect URI (e.g. http://127.0.0.1:8765/callback) registered on the app.")
        self.path = parts.path or "/"
        self.received: str | None = None
        self._closed = False
        self._done = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                target = urlsplit(self.path)
                if target.path != owner.path or owner._done.is_set():
                    self.send_error(404)
                    return
                query = parse_qs(target.query)
                if "error" in query:
                    title, text = "Sign-in not completed", "Access was not granted."
                else:
                    title, text = "Signed in", "The CRM received the answer; back to the terminal."
                body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                owner.received = f"{redirect_uri.split('?')[0]}?{target.query}"
                owner._done.set()

            def log_message(self, format: str, *args) -> None:  # the query holds the code
                return

        try:
            self._server = HTTPServer(("127.0.0.1", parts.port), Handler)
        except OSError as exc:
            raise CrmError(f"Cannot listen on 127.0.0.1:{parts.port} for the sign-in redirect "
                           f"({exc.strerror}).",
                           "Close what uses that port, or configure another redirect URI "
                           f"(registered on the app) with 'crm sync configure {connector} "
                           "--redirect-uri URI'.") from None
        self._server.timeout = 0.2
        self._thread = threading.Thread(target=self._serve, name="crm-oauth-callback", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._done.is_set() and not self._closed:
            self._server.handle_request()

    def wait(self, timeout: float) -> str | None:
        """The redirected URL, or None when nothing came within ``timeout`` seconds."""
        self._done.wait(timeout)
        return self.received

    def close(self) -> None:
        """Stop serving and free the port (waits up to 2 s for the server thread)."""
        self._closed = True
        self._thread.join(timeout=2)
        self._server.server_close()

    def __enter__(self) -> "CallbackServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
