""""Needs attention": records the sync keeps skipping, with the reason of the latest skip.

A record needs attention when its latest entry in a connection's Sync Log is a skip (a record
that was skipped once and synced later is fine again). Records are told apart by side, CRM id,
remote id and name.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from crmcore.sync.models import SyncRun, SyncRunItem


def needs_attention(session: Session, connection_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """Rows ``side, module, record_name, record_id, remote_id, reason, run`` (the latest skip)
    and ``skips`` (how many runs skipped it), most skipped first; at most ``limit``."""
    latest = (select(func.max(SyncRunItem.id).label("item_id"),
                     func.sum(case((SyncRunItem.action == "skipped", 1), else_=0)).label("skips"))
              .join(SyncRun, SyncRun.id == SyncRunItem.run_id)
              .where(SyncRun.connection_id == connection_id)
              .group_by(SyncRunItem.side, SyncRunItem.record_id, SyncRunItem.remote_id,
                        SyncRunItem.record_name)
              .subquery())
    query = (select(SyncRunItem, latest.c.skips)
             .join(latest, latest.c.item_id == SyncRunItem.id)
             .where(SyncRunItem.action == "skipped")
             .order_by(latest.c.skips.desc(), SyncRunItem.record_name)
             .limit(limit))
    return [{"side": item.side, "module": item.module, "record_name": item.record_name,
             "record_id": item.record_id, "remote_id": item.remote_id, "reason": item.reason,
             "run": item.run_id, "skips": int(skips)}
            for item, skips in session.exec(query)]
