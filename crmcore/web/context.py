"""What views reach: the CRM of the application and the signed-in user."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g

from crmcore.app import CRM
from crmcore.models import User


def web_crm() -> CRM:
    """The :class:`CRM` the running web application serves."""
    return current_app.extensions["crm"]


def web_user() -> User:
    """The signed-in user of this request (a detached copy: re-read it in a session to change it)."""
    return g.user


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site (no scheme or host: no open redirect), else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def is_htmx() -> bool:
    """Whether the current request comes from htmx (``HX-Request: true``)."""
    from flask import request

    return request.headers.get("HX-Request") == "true"
