"""``--data FILE``: the sandbox account kept as one JSON document across restarts.

Written atomically (a temporary file renamed over the old one), so a crash while saving leaves
the previous state intact. Tokens are kept too: a connector configured against the sandbox stays
connected after a restart, and the client id and secret stay the same.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .oauth import OAuthServer
from .state import Store

FORMAT = "crm-constant-contact-sandbox/1"


def dump_state(store: Store, oauth: OAuthServer) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "client_id": oauth.client_id,
        "client_secret": oauth.client_secret,
        "contacts": list(store.contacts.values()),
        "lists": list(store.lists.values()),
        "custom_fields": list(store.custom_fields.values()),
        "activities": store.activities,
        "oauth": oauth.dump(),
        "account": store.account,
    }


def save(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path: Path) -> dict[str, Any] | None:
    """The saved state, or None when the file does not exist yet."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as handle:
        state = json.load(handle)
    if state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a Constant Contact sandbox data file")
    return state


def restore(state: dict[str, Any], store: Store, oauth: OAuthServer) -> None:
    """Put saved lists, custom fields, contacts, activities and tokens back into empty objects."""
    for record in state.get("lists", []):
        store.add_list_record(record)
    for record in state.get("custom_fields", []):
        store.add_custom_field_record(record)
    for record in state.get("contacts", []):
        store.load_contact(record)
    store.activities.update(state.get("activities", {}))
    if state.get("account"):
        store.account.update(state["account"])
    oauth.load(state.get("oauth", {}))
