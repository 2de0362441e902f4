"""The Debug Log: redacted HTTP exchanges of a run, kept only while Debug Mode is on.

Exchanges arrive from the API client while a batch may be mid-flight, so they are buffered and
written with the batch's commit (never in a second transaction that would wait on the first).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from crmcore.plugins import PluginHost
from crmcore.redact import Secrets
from crmcore.sync.models import DebugEntry

MAX_BODY = 4000


class DebugRecorder:
    """Records a run's HTTP exchanges for the Debug Log (with Debug Mode on), each scrubbed of the
    connection's secrets, and hands each to the ``crm_sync_exchange`` hook."""
    def __init__(self, plugins: PluginHost, connection_id: int, run_id: int | None,
                 store: bool, secrets: Secrets | None = None) -> None:
        self.plugins = plugins
        self.secrets = secrets if secrets is not None else Secrets()
        self.connection_id = connection_id
        self.run_id = run_id
        self.store = store
        self.pending: list[dict[str, Any]] = []

    def __call__(self, exchange: dict[str, Any]) -> None:
        """``on_exchange`` callback of the API client; ``exchange`` is already redacted (the
        connection's known secrets are scrubbed once more here, before anything is cut)."""
        if not self.store:
            return
        exchange = {k: self.secrets.scrub(v) if isinstance(v, str) else v
                    for k, v in exchange.items()}
        self.plugins.hook.crm_sync_exchange(connection_id=self.connection_id, run_id=self.run_id,
                                            exchange=exchange)
        self.pending.append({
            "connection_id": self.connection_id, "run_id": self.run_id,
            "method": str(exchange.get("method", ""))[:8],
            "url": str(exchange.get("url", "")),
            "status": exchange.get("status"), "elapsed_ms": exchange.get("elapsed_ms"),
            "request": _text(exchange.get("request")), "response": _text(exchange.get("response"))})

    def flush(self, session: Session) -> None:
        """Write the exchanges recorded since the last flush in ``session``."""
        if self.pending:
            session.execute(insert(DebugEntry), self.pending)
            self.pending = []


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else __import__("json").dumps(value, default=str)
    return text[:MAX_BODY]
