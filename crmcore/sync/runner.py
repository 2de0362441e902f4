"""Run the sync of one connection: the unit of work of Sync Now, the scheduler and any worker.

:func:`sync_connection` is a plain function of (CRM, connection id) so a distributed task engine
can call it as it is. It takes the connection's lock, records the run in the Sync Log, and turns
every failure into an outcome with a message and a next step instead of a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from crmcore.app import CRM
from crmcore.auth.models import Connection
from crmcore.errors import CrmError, DatabaseUnavailable, NotFound
from crmcore.gcfreeze import gc_frozen
from crmcore.http import HttpDefaults
from crmcore.models import User, utcnow
from crmcore.redact import Secrets
from crmcore.sync import lock
from crmcore.sync.account import start_fresh_if_account_changed
from crmcore.sync import settings as sync_settings
from crmcore.sync.debuglog import DebugRecorder
from crmcore.sync.durations import records_from_span
from crmcore.sync.engine import EngineConfig, Progress, StepReport, SyncEngine
from crmcore.sync.models import SyncRun
from crmcore.sync.runlog import RunLog

DRY_RUN_ID = -1
# A connection option: settings of the API client, overriding the connector's http_defaults key
# by key; a local sandbox without limits sets rate_per_second None.
HTTP_OPTION = "http"
HTTP_KEYS = tuple(f.name for f in fields(HttpDefaults))


@dataclass
class RunSummary:
    """What a sync run did: run id, connector, module, direction, outcome (success, failed, stopped
    or skipped), per-side counts, error and hint, note; ``phases``: wall-clock seconds per phase
    of the run, each second in one phase (:data:`crmcore.sync.phases.PHASES`)."""
    run_id: int | None
    connector: str
    module: str
    direction: str
    outcome: str  # success | failed | stopped | skipped
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None
    hint: str | None = None
    note: str | None = None  # what the run did beyond records, and why (a re-baseline...)
    requests: int = 0
    dry_run: bool = False
    items: list[dict[str, Any]] = field(default_factory=list)  # dry runs only
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (``crm sync now --json``)."""
        return dict(self.__dict__)


def sync_connection(crm: CRM, connection_id: int, *, dry_run: bool = False,
                    trigger: str = "manual", progress: Progress | None = None,
                    report: StepReport | None = None) -> RunSummary:
    """Sync one connection now; never raises for a failed run (the summary says why).

    ``progress`` receives messages for the reader, ``report`` the records handled per step
    (``report(step, done, total)``, total None when not known yet); both are optional."""
    from crmcore.auth.connections import open_api_client  # the auth package owns tokens
    from crmcore.sync.mapping_store import get_mapping

    with crm.session() as session:
        connection = session.get(Connection, connection_id)
        if connection is None:
            raise NotFound(f"No connection with id {connection_id}.", "See 'crm sync connectors'.")
        owner = session.get(User, connection.user_id)
        settings = sync_settings.load(session, connection_id)
    info = crm.plugins.connectors.get(connection.connector)
    if info is None:
        raise CrmError(f"The connector {connection.connector!r} is not available: its plugin is "
                       "not installed or not loaded.", "Install its package, or check CRM_PLUGINS.")
    connector = info.connector
    module = crm.plugins.modules.get(connector.module)
    if module is None or module.spec.records is None:
        raise CrmError(f"The {connector.module!r} module is not available.",
                       f"An admin installs it with 'crm extensions install {connector.extension}'.")
    summary = RunSummary(None, connector.name, connector.module,
                         sync_settings.direction_for_user(settings.direction, connector.name),
                         "skipped", dry_run=dry_run)
    if not sync_settings.module_enabled(settings, connector.module):
        summary.error = f"{module.spec.label} sync is off for this connection."
        summary.hint = (f"An admin turns it on with 'crm sync settings {connector.name} "
                        f"--enable-module {connector.module} --user {owner.name}'.")
        return summary
    hint = f"Wait for it to finish, or see 'crm sync log {connector.name}'."
    with crm.session() as session:
        if dry_run:
            run_id = DRY_RUN_ID
        else:
            run = SyncRun(connection_id=connection_id, module=connector.module,
                          direction=settings.direction, trigger=trigger)
            session.add(run)
            session.flush()
            run_id = run.id
        if not dry_run:  # a dry run writes nothing, so it neither waits for nor blocks a run
            lock.acquire(session, connection_id, connector.module, run_id, hint)
    summary.run_id = None if dry_run else run_id
    # every secret of the connection met during the run: scrubbed from whatever is stored or shown
    secrets = Secrets()
    log = RunLog(None if dry_run else run_id, connector.name, keep_all=dry_run, secrets=secrets)
    debug = DebugRecorder(crm.plugins, connection_id, summary.run_id, settings.debug and not dry_run,
                          secrets=secrets)
    api = None
    engine: SyncEngine | None = None
    try:
        from crmcore.auth.tokens import connection_secrets
        secrets.add(*connection_secrets(connection, crm.vault))
        options = dict(connection.options or {})
        options.update(options.pop("settings", None) or {})  # a non-OAuth connection's settings
        http = {k: v for k, v in (options.pop(HTTP_OPTION, None) or {}).items() if k in HTTP_KEYS}
        api = open_api_client(crm, connection_id, on_exchange=debug if debug.store else None,
                              secrets=secrets, **http)
        mapping = get_mapping(crm, connector.name)
        span = records_from_span(settings.sync_records_from)
        config = EngineConfig(direction=settings.direction, conflict_policy=settings.conflict_policy,
                              records_from=(utcnow() - span) if span else None, dry_run=dry_run)
        remote = connector.open(api, options)
        try:
            switched = start_fresh_if_account_changed(crm, connection_id, connector.module, remote,
                                                      connector.label, dry_run)
            if switched:
                log.notes.append(switched)
            engine = SyncEngine(crm, connection_id, owner, module.spec, connector, mapping, remote,
                                log, config, progress, on_commit=debug.flush, report=report)
            if not (switched and dry_run):  # the links a dry run would use are the old account's
                with gc_frozen():  # its batches' objects outlive many young collections
                    engine.run()
        finally:
            remote.close()
        summary.outcome = "success"
    except CrmError as exc:
        summary.outcome = "stopped" if type(exc).__name__ == "QuotaExhausted" else "failed"
        summary.error, summary.hint = exc.message, exc.hint
    except SQLAlchemyError as exc:
        summary.outcome = "failed"
        error = DatabaseUnavailable.from_exception(exc, "of this CRM")
        summary.error, summary.hint = error.message, error.hint
    except Exception as exc:  # a bug or an unexpected answer: say so, keep the log usable
        summary.outcome = "failed"
        summary.error = f"Unexpected error: {type(exc).__name__}: {exc}"
        summary.hint = (f"Run 'crm sync now {connector.name}' again; the run resumes where it "
                        "stopped. If it fails again, turn on Debug Mode and report the Debug Log.")
    finally:
        # scrubbed whole, then cut: a cut secret could not be recognised
        summary.error = secrets.scrub(summary.error)[:2000] if summary.error else summary.error
        summary.hint = secrets.scrub(summary.hint) if summary.hint else summary.hint
        summary.requests = getattr(api, "requests_made", 0) if api else 0
        if api is not None:
            api.close()
        log.discard()
        summary.counts = log.counts
        summary.note = "; ".join(log.notes) or None
        summary.items = [item.as_dict() for item in log.kept]
        summary.phases = engine.phases() if engine is not None else {}
        _finish(crm, connection_id, connector.module, run_id, summary, debug)
    return summary


def _finish(crm: CRM, connection_id: int, module: str, run_id: int, summary: RunSummary,
            debug: DebugRecorder) -> None:
    with crm.session() as session:
        if run_id != DRY_RUN_ID:
            run = session.get(SyncRun, run_id)
            run.finished_at = utcnow()
            run.outcome = summary.outcome
            run.error, run.hint = summary.error, summary.hint
            run.note = summary.note
            run.counts = summary.counts
            run.requests = summary.requests
            session.add(run)
            debug.flush(session)
            lock.release(session, connection_id, module, run_id)


def connection_for(crm: CRM, actor: User, connector_name: str, owner_name: str | None = None
                   ) -> tuple[Connection, User]:
    """The connection of ``owner_name`` (default: the actor); only an admin reaches another's."""
    from crmcore.auth.connections import get_connector, target_user

    get_connector(crm, connector_name)  # an unknown name is told as such, with the known ones
    with crm.session() as session:
        owner = target_user(session, actor, owner_name)
        connection = session.exec(select(Connection).where(
            Connection.user_id == owner.id, Connection.connector == connector_name)).first()
    if connection is None:
        raise NotFound(f"{owner.name!r} has no {connector_name} connection yet.",
                       f"Save the OAuth settings first: 'crm sync configure {connector_name} "
                       "--client-id ...' (it asks for the client secret).")
    return connection, owner
