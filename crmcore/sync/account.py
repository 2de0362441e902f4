"""Links and checkpoints belong to one remote account.

A connection can be pointed at another account: new OAuth settings (client id, API URL), or a
sign-in as someone else. Links made with the old account name records the new one does not
have, and its high-water mark and change sequence say nothing about the new one, so carrying them
over would skip every synced record forever. The account is identified by what the connector
says (:meth:`ConnectorSession.account_id`, asked once per sign-in and kept on the connection),
else by the client id and API URL. When it differs from the one the checkpoint records, the run
starts afresh: the links and marks of (connection, module) are dropped, so every record meets the
new account as a first match by email; nothing is deleted on either side. Switching back later
is another fresh start, matched by email again, so nothing is duplicated.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from crmcore.app import CRM
from crmcore.auth.models import Connection
from crmcore.sync.connector import ConnectorSession
from crmcore.sync.lock import checkpoint
from crmcore.sync.models import SyncLink


def current_account(crm: CRM, connection_id: int, remote: ConnectorSession) -> dict[str, Any]:
    """``{"account": id or None, "endpoint": "client_id api_url"}`` of the connection now.

    The connector is asked only when the connection does not know yet (after each sign-in)."""
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        known, endpoint = row.remote_account, f"{row.client_id} {row.api_url}"
    if known is None:
        known = remote.account_id() or ""
        with crm.session() as session:
            row = session.get(Connection, connection_id)
            row.remote_account = known[:255]
            session.add(row)
    return {"account": known or None, "endpoint": endpoint}


def same_account(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Both ids known: they decide. Otherwise the client id and API URL do."""
    if before.get("account") and now.get("account"):
        return before["account"] == now["account"]
    return before.get("endpoint") == now.get("endpoint")


def start_fresh_if_account_changed(crm: CRM, connection_id: int, module: str,
                                   remote: ConnectorSession, label: str,
                                   dry_run: bool = False) -> str | None:
    """Drop the links and marks of (connection, module) when they belong to another account.

    Returns the note for the Sync Log when the account changed (a dry run changes nothing and
    says what the next run will do), else None. The first run records the account.
    """
    now = current_account(crm, connection_id, remote)
    with crm.session() as session:
        point = checkpoint(session, connection_id, module)
        before = point.account
        if before is None or same_account(before, now):
            if before != now and not dry_run:
                point.account = now  # the first run, or the account's id learnt since
                session.add(point)
            return None
        was = before.get("account") or before.get("endpoint")
        new = now.get("account") or now.get("endpoint")
        if dry_run:
            return (f"the connection now reaches another {label} account ({new}; the links "
                    f"belong to {was}): the next run starts fresh, matching contacts by email")
        dropped = session.execute(delete(SyncLink.__table__).where(
            SyncLink.__table__.c.connection_id == connection_id,
            SyncLink.__table__.c.module == module)).rowcount
        point.crm_seq = 0
        point.remote_high_water = None
        point.remote_settled = False
        point.remote_cursor = None
        point.retry_ids = None
        point.mapping = None
        point.account = now
        session.add(point)
    return (f"started fresh: the connection now reaches another {label} account ({new}); the "
            f"{dropped} links and the checkpoints of account {was} were set aside, and every "
            "contact is matched by email again (nothing was deleted on either side)")
