"""Hints in the web's own words: a service error's next step often names a ``crm`` command (the
CLI is where most of them are met); on a page the same step is a button or a page.

:func:`for_web` rewrites the commands the web has a place for (``'crm sync authorize NAME'`` ->
"Sign In on the Sync page", and so on) and leaves the rest alone: what only the command line does
(``crm db upgrade``, ``crm users set-password``) is named as it is, for the admin who runs it.
"""
from __future__ import annotations

import re

# 'crm sync VERB NAME [more words]' inside quotes -> the web's place for it; {name} is NAME
_PLACES = {
    "authorize": "Sign In for {name} on the Sync page",
    "configure": "the {name} settings on the Sync page (OAuth settings or Settings)",
    "test": "Test connection for {name} on the Sync page",
    "log": "the {name} Sync Log",
    "settings": "the {name} Settings on the Sync page",
    "now": "Sync Now for {name} on the Sync page",
    "mapping": "the {name} Settings on the Sync page",
}
_SYNC_COMMAND = re.compile(r"'crm sync (?P<verb>[a-z-]+)(?: (?P<name>[A-Za-z0-9_.-]+))?[^']*'")
_OTHER = {
    re.compile(r"'crm sync connectors[^']*'"): "the Sync page",
    re.compile(r"'crm extensions install (?P<name>[A-Za-z0-9_.-]+)[^']*'"):
        "Install {name} on the Extensions page (admins)",
    re.compile(r"'crm extensions list[^']*'"): "the Extensions page",
}


def for_web(text: str | None) -> str | None:
    """``text`` with every ``'crm ...'`` command the web has a page or button for replaced by that
    place; None stays None. Commands without a web counterpart are kept as they are."""
    if not text:
        return text

    def sync_place(match: re.Match[str]) -> str:
        place = _PLACES.get(match["verb"])
        if place is None or not match["name"] or match["name"].startswith("-"):
            return match.group(0)
        return place.format(name=match["name"])

    out = _SYNC_COMMAND.sub(sync_place, text)
    for pattern, place in _OTHER.items():
        out = pattern.sub(lambda m, place=place: place.format(**m.groupdict()), out)
    return out
