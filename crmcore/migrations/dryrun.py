"""``crm db upgrade --dry-run``: the SQL an upgrade would run, without changing anything."""
from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.util import CommandError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crmcore.db import make_engine
from crmcore.migrations.runner import (MigrationError, needs_adoption, current_revisions,
                                       installed_names, pending_revisions, upgrade_all,
                                       upgrade_plan)

if TYPE_CHECKING:
    from crmcore.app import CRM


def upgrade_sql(crm: "CRM") -> str:
    """The SQL ``upgrade_all`` would run, lineage by lineage, changing nothing.

    PostgreSQL (and other servers): Alembic's offline mode renders it. SQLite: batch mode must
    read each table it copies, which offline mode cannot, so the upgrade runs on a copy of the
    file (taken with SQLite's backup API, then deleted) and the statements it ran are printed.
    """
    url = crm.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return _sql_from_a_copy(crm)
    out = io.StringIO()
    with crm.engine.connect() as conn:
        plan = upgrade_plan(crm, conn)
        installed = installed_names(conn)
        starts = {lineage.name: (current_revisions(conn, lineage),
                                 needs_adoption(conn, lineage, installed)) for lineage in plan}
    for lineage in plan:
        current, adopt = starts[lineage.name]
        cfg = lineage.config()
        cfg.output_buffer = out
        cfg.attributes["dialect_name"] = crm.engine.dialect.name
        out.write(f"-- lineage {lineage.name} ({lineage.version_table})\n")
        if adopt:
            out.write("-- made before migrations (0.1.0): record its first revision\n")
            command.stamp(cfg, lineage.first(), sql=True)
            start: str | None = lineage.first()
        else:
            start = current[0] if current else None
        if pending_revisions(lineage, (start,) if start else ()):
            try:
                command.upgrade(cfg, f"{start}:head" if start else "head", sql=True)
            except CommandError as exc:
                raise MigrationError(f"Cannot print the SQL for {lineage.name!r}: {exc}",
                                     "Take a backup and run 'crm db upgrade'.") from None
        else:
            out.write("-- nothing to do\n")
    return out.getvalue()


def _sql_from_a_copy(crm: "CRM") -> str:
    lines: list[str] = []

    copy: Path | None = None

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.engine.url.database != str(copy):
            return  # another database of this process
        if statement.lstrip().upper().startswith(("SELECT", "PRAGMA", "BEGIN")):
            return  # reading (reflection, version look-ups), not changing
        lines.append(statement.strip() + ";"
                     + (f"  -- parameters: {parameters!r}" if parameters else ""))

    with tempfile.TemporaryDirectory(prefix="crm-dry-run-") as where:
        copy = Path(where) / "copy.sqlite"
        src, dst = sqlite3.connect(crm.engine.url.database), sqlite3.connect(copy)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        engine = make_engine(f"sqlite:///{copy}")
        # on the Engine class: the runner migrates through an engine of its own on the same file
        event.listen(Engine, "before_cursor_execute", record)
        try:
            upgrade_all(crm, engine=engine,
                        progress=lambda _name, line: lines.append(f"-- {line}"))
        finally:
            event.remove(Engine, "before_cursor_execute", record)
            engine.dispose()
    if not lines:
        return "-- nothing to do\n"
    return "-- the statements an upgrade runs, taken from a run on a copy of the database\n" \
        + "\n".join(lines) + "\n"
