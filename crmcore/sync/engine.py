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
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from crmcore.app import CRM
from crmcore.contract.connector import Connector, ConnectorSession
from crmcore.contract.cursors import OVERLAP
from crmcore.contract.records import RemotePage, RemoteRecord
from crmcore.models import Change, User
from crmcore.modules import ModuleSpec
from crmcore.progress import StepReport
from crmcore.sync.applier import Applier
from crmcore.sync.batch import EngineConfig, normalise_email
from crmcore.sync.lock import checkpoint
from crmcore.sync.phases import PhaseClock
from crmcore.sync.pull import Puller
from crmcore.sync.push import Pusher
from crmcore.sync.rebaseline import Rebaseliner
from crmcore.sync.resolve import Resolver
from crmcore.sync.runlog import RunLog
from crmcore.sync.state import Progress, RunContext, RunState

# Before reading bulk-created records back, wait until they are older than OVERLAP by the remote
# clock, so that read also settles the window (TimestampCursor.after). Without knowing that clock:
# this long after the last write (a second more for the whole-second Date, and a margin).
SETTLE_WAIT = OVERLAP + timedelta(seconds=1.2)

__all__ = ["SyncEngine", "EngineConfig", "Progress", "StepReport", "normalise_email", "OVERLAP"]


class SyncEngine:
    """One run of one connection and module: pull -> push -> read-back.

    ``progress`` receives messages for the reader; ``report`` (optional) the counts of each step
    as they grow (:data:`StepReport`); :attr:`clock` has the seconds per phase
    (:mod:`crmcore.sync.phases`). Both are observed from here, around what the parts call: the
    connector session's reads and activity waits, and the applier's commits.
    """

    def __init__(self, crm: CRM, connection_id: int, owner: User, module: ModuleSpec,
                 connector: Connector, mapping: Any, remote: ConnectorSession, log: RunLog,
                 config: EngineConfig, progress: Progress | None = None,
                 on_commit: Callable[[Session], None] | None = None,
                 report: StepReport | None = None) -> None:
        self.clock = PhaseClock()
        self.report = report
        self._step: str | None = None  # the counted step under way, and its counts
        self._done = 0
        self._total: int | None = None
        self._pages = True
        self._push_seqs: list[int] | None = None  # per changed record, its newest change (sorted)
        observed = _ObservedSession(remote, self)
        timed_crm = _CommitTimedCRM(crm, self.clock)
        self.ctx = RunContext(timed_crm, connection_id, owner, module, connector, mapping, observed, log,
                              config, progress or (lambda message: None), on_commit,
                              self.records_read)
        self.state = RunState()
        self.applier = Applier(self.ctx, self.state)
        self.applier.commit = self._commit_observed(self.applier.commit)  # type: ignore[method-assign]
        self.resolver = Resolver(self.ctx, self.state)
        self.puller = Puller(self.ctx, self.state, self.resolver, self.applier)
        self.pusher = Pusher(self.ctx, self.state, self.resolver, self.applier)
        self.rebaseliner = Rebaseliner(self.ctx, self.state, self.resolver, self.applier)

    def phases(self) -> dict[str, float]:
        """Seconds per phase of the run so far (see :data:`crmcore.sync.phases.PHASES`)."""
        return self.clock.as_dict()

    def run(self) -> None:
        """Re-baseline if the mapping changed, pull, push, then read our own writes back."""
        label = self.ctx.connector.label
        with self.clock.phase("rebaseline"):
            self.rebaseliner.rebaseline_if_mapping_changed()
        if self.ctx.config.direction in ("both", "to-crm"):
            with self.clock.phase("pull"), self._counted(f"Pulling from {label}"):
                self.puller.pull()
        if self.ctx.config.direction in ("both", "to-remote"):
            with self.clock.phase("push"), self._counted(f"Pushing to {label}",
                                                         self._push_total(), pages=False):
                self.pusher.push()
            if self.state.remote_writes and not self.ctx.config.dry_run:
                # read our own writes back now (links for bulk creates; the next run starts clean)
                if self.state.bulk_created:  # let them settle first, so this read settles the window
                    wait = self._settle_wait()
                    if wait > 0:
                        self.ctx.progress(f"Waiting {wait:.1f} s before reading the new contacts back "
                                      f"from {self.ctx.connector.label}.")
                        with self.clock.phase("settle_wait"):
                            time.sleep(wait)
                self.state.link_only = self.ctx.config.direction == "to-remote"
                with self.clock.phase("read_back"), self._counted(f"Reading back from {label}"):
                    self.puller.pull()

    def _settle_wait(self) -> float:
        """Seconds to wait before reading bulk-created records back, so that the read's remote
        time is ``OVERLAP`` past every record this run wrote and its cursor comes back settled.

        When the session knows the service's clock (``ConnectorSession.service_clock``), until
        that clock is far enough past the newest answer the session got (every write's answer
        came before it); else, and never longer than, ``SETTLE_WAIT`` after the last write. A
        wait cut short by a wrong estimate costs only a re-read of the overlap next run."""
        now = time.monotonic()
        fixed = SETTLE_WAIT.total_seconds() - (now - self.state.last_write_at)
        clock = getattr(self.ctx.remote, "service_clock", None)
        ready = clock.ready_at(OVERLAP) if clock is not None else None
        return fixed if ready is None else min(fixed, ready - now)

    # -- observing the parts ----------------------------------------------------------------------

    @contextmanager
    def _counted(self, step: str, total: int | None = None, pages: bool = True) -> Iterator[None]:
        """Count records for ``step`` while the block runs (the pages read when ``pages``, else
        the push's commits); reported at the start, as they grow, and complete at the end."""
        self._step, self._done, self._total, self._pages = step, 0, total, pages
        self._emit()
        try:
            yield
            self._total = self._done if self._total is None else self._total
            self._done = self._total  # handled: whatever was not counted had nothing to do
            self._emit()
        finally:
            self._step, self._push_seqs = None, None

    def _emit(self) -> None:
        if self.report is not None and self._step is not None:
            self.report(self._step, self._done, self._total)

    def records_read(self, count: int) -> None:
        """A page of ``count`` remote records has been handled and committed (pull and
        read-back)."""
        if self._step is not None and self._pages:
            self._done += count
            self._emit()

    def _push_total(self) -> int | None:
        """How many CRM records have changes to look at (only when someone is told)."""
        if self.report is None:
            return None
        own = self.state.own_changes  # the pull's own writes: the push passes over them
        newest: dict[int, int] = {}  # record id -> its newest change not our own
        with self.ctx.crm.session() as session:
            start = checkpoint(session, self.ctx.connection_id, self.ctx.module.name).crm_seq
            for seq, record_id in session.execute(
                    select(Change.seq, Change.record_id).where(
                        Change.module == self.ctx.module.name, Change.seq > start)):
                if seq not in own and seq > newest.get(record_id, 0):
                    newest[record_id] = seq
        self._push_seqs = sorted(newest.values())
        return len(self._push_seqs)

    def _commit_observed(self, commit: Callable[..., None]) -> Callable[..., None]:
        """The applier's commit, timed as phase "apply" (its transaction's end as "commit"); a
        push batch's commit (its ``seq``) counts the changed records up to that point as done."""
        def observed(*args: Any, **kwargs: Any) -> None:
            with self.clock.phase("apply"):
                commit(*args, **kwargs)
            seq = kwargs.get("seq", args[1] if len(args) > 1 else None)  # commit(batch, seq, ...)
            if seq is not None and self._push_seqs is not None:
                self._done = bisect_right(self._push_seqs, seq)
                self._emit()
        return observed


class _CommitTimedCRM:
    """The CRM as the parts see it: the same, except that the end of each transaction of
    :meth:`session` (flushing what the ORM holds, and the database's COMMIT) is timed as phase
    "commit"."""

    def __init__(self, crm: CRM, clock: PhaseClock) -> None:
        self._crm = crm
        self._clock = clock

    @contextmanager
    def session(self) -> Iterator[Session]:
        """:meth:`CRM.session`, its commit timed."""
        inner = self._crm.session()
        session = inner.__enter__()
        try:
            yield session
        except BaseException as exc:
            if not inner.__exit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            with self._clock.phase("commit"):
                inner.__exit__(None, None, None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crm, name)


class _ObservedSession:
    """The connector session as the parts see it: the same in every way, except that each page
    of ``read_changes`` holds each remote record once (:func:`newest_copies`), and the
    connector's ``sleep`` between polls of its bulk jobs (when it has one) is timed as phase
    "wait_for_activities"."""

    def __init__(self, inner: ConnectorSession, engine: SyncEngine) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_engine", engine)
        sleep = getattr(inner, "sleep", None)
        if callable(sleep):
            inner.sleep = engine.clock.timed("wait_for_activities", sleep)  # type: ignore[attr-defined]

    def read_changes(self, cursor: str | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        for page in self._inner.read_changes(cursor, fields):
            yield newest_copies(page)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)


def newest_copies(page: RemotePage) -> RemotePage:
    """``page`` with each remote record once, at the place of its first copy. Of copies with the
    same ``remote_id`` (a service paging while records change, say) the one with the newest
    ``updated_at`` stays, the later one on a tie; when a copy has no ``updated_at``, so that
    they cannot all be compared, the last copy in the page stays. The page itself when no
    record repeats (the usual case, checked in one pass).

    Handled twice, the copies would be created or linked twice in one transaction, which the
    links' unique (connection, module, remote id) index refuses: the run would fail, and fail
    again on every retry of the same page."""
    records = page.records
    if len({record.remote_id for record in records}) == len(records):
        return page
    copies: dict[str, list[RemoteRecord]] = {}
    for record in records:
        copies.setdefault(record.remote_id, []).append(record)
    kept = []
    for same in copies.values():
        if any(record.updated_at is None for record in same):
            kept.append(same[-1])
        else:  # max keeps the first of equal keys: the position breaks a tie for the later copy
            kept.append(max(reversed(same), key=lambda record: record.updated_at))
    return replace(page, records=kept)
