"""The two-way sync of one connection and one module: an orchestrator over its parts.

The contract (DESIGN.md, "Sync semantics") in code:
- a link ties a CRM record to a remote id with the fingerprints last synced on each side; the
  first link of an unlinked pair is made by normalised email, never by guess;
- CRM changes come from the change sequence, remote ones from the connector's cursor; equal
  fingerprints mean "nothing to do", so reading back our own writes is a no-op (no echo);
- both sides changed (or a write met a newer version): the policy decides and it is logged;
- every batch commits its CRM writes, links, log rows and checkpoint together, and every step is
  idempotent, so a run killed anywhere and run again ends where one clean run would.
HTTP never happens while this process holds a database write transaction.

The parts, each in its module: :class:`~crmcore.sync.pull.Puller` (remote changes in),
:class:`~crmcore.sync.push.Pusher` (CRM changes out), :class:`~crmcore.sync.resolve.Resolver`
(the decisions both make), :class:`~crmcore.sync.applier.Applier` (the one that writes the
database) and :class:`~crmcore.sync.rebaseline.Rebaseliner` (after a mapping change). What they
hand each other is :class:`~crmcore.sync.state.RunState`; what they work on,
:class:`~crmcore.sync.state.RunContext`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from crmcore.app import CRM
from crmcore.contract.connector import Connector, ConnectorSession
from crmcore.contract.cursors import OVERLAP
from crmcore.models import User
from crmcore.modules import ModuleSpec
from crmcore.sync.applier import Applier
from crmcore.sync.batch import EngineConfig, normalise_email
from crmcore.sync.pull import Puller
from crmcore.sync.push import Pusher
from crmcore.sync.rebaseline import Rebaseliner
from crmcore.sync.resolve import Resolver
from crmcore.sync.runlog import RunLog
from crmcore.sync.state import Progress, RunContext, RunState

# Before reading bulk-created records back, wait until they are older than OVERLAP (plus a second
# for the whole-second resolution of the remote clock), so that read also settles the window.
SETTLE_WAIT = OVERLAP + timedelta(seconds=1.2)

__all__ = ["SyncEngine", "EngineConfig", "Progress", "normalise_email", "OVERLAP"]


class SyncEngine:
    """One run of one connection and module: pull -> push -> read-back."""

    def __init__(self, crm: CRM, connection_id: int, owner: User, module: ModuleSpec,
                 connector: Connector, mapping: Any, remote: ConnectorSession, log: RunLog,
                 config: EngineConfig, progress: Progress | None = None,
                 on_commit: Callable[[Session], None] | None = None) -> None:
        self.ctx = RunContext(crm, connection_id, owner, module, connector, mapping, remote, log,
                              config, progress or (lambda message: None), on_commit)
        self.state = RunState()
        self.applier = Applier(self.ctx, self.state)
        self.resolver = Resolver(self.ctx, self.state)
        self.puller = Puller(self.ctx, self.state, self.resolver, self.applier)
        self.pusher = Pusher(self.ctx, self.state, self.resolver, self.applier)
        self.rebaseliner = Rebaseliner(self.ctx, self.state, self.resolver, self.applier)

    def run(self) -> None:
        """Re-baseline if the mapping changed, pull, push, then read our own writes back."""
        self.rebaseliner.rebaseline_if_mapping_changed()
        if self.ctx.config.direction in ("both", "to-crm"):
            self.puller.pull()
        if self.ctx.config.direction in ("both", "to-remote"):
            self.pusher.push()
            if self.state.remote_writes and not self.ctx.config.dry_run:
                # read our own writes back now (links for bulk creates; the next run starts clean)
                if self.state.bulk_created:  # let them settle first, so this read settles the window
                    wait = SETTLE_WAIT.total_seconds() - (time.monotonic() - self.state.last_write_at)
                    if wait > 0:
                        self.ctx.progress(f"Waiting {wait:.1f} s before reading the new contacts back "
                                      f"from {self.ctx.connector.label}.")
                        time.sleep(wait)
                self.state.link_only = self.ctx.config.direction == "to-remote"
                self.puller.pull()
