"""Settings an import changes for its own time only, put back afterwards: on SQLite a larger
page cache and a checkpoint every few batches, on its connection (durability is the same: WAL,
synchronous NORMAL); and, on any database, the objects that exist when it starts frozen out of
Python's cycle collections."""
from __future__ import annotations

import io

import pytest

from crm_contacts import csvimport
from crmcore.db import WAL_CHECKPOINT_PAGES


def _settings(session) -> tuple[int, int, str, int]:
    conn = session.connection()
    return tuple(conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                 for name in ("cache_size", "wal_autocheckpoint", "journal_mode", "synchronous"))


def test_an_import_changes_the_cache_and_checkpoints_for_its_time_only(store_session):
    session, store, user = store_session
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's settings")
    before = _settings(session)
    seen = []
    rows = "".join(f"Person{i},p{i}@example.com\n" for i in range(csvimport.BATCH_ROWS + 10))
    report = csvimport.import_csv(session, user, io.StringIO("last_name,email\n" + rows),
                                  progress=lambda line, total: seen.append(_settings(session))
                                  if line in (2, total) else None)
    assert report.count("created") == csvimport.BATCH_ROWS + 10
    during = (-csvimport.PAGE_CACHE_KIB, csvimport.CHECKPOINT_PAGES, "wal", 1)
    # the first row, the last (after the first commit) and the end of the import
    assert seen == [during, during, before] and before[1:] == (WAL_CHECKPOINT_PAGES, "wal", 1)
    assert _settings(session) == before


def test_an_import_leaves_existing_objects_to_the_cycle_collector_for_its_time_only(store_session):
    import gc

    session, store, user = store_session
    assert gc.get_freeze_count() == 0
    frozen = []
    report = csvimport.import_csv(session, user, io.StringIO("last_name\nLovelace\nHopper\n"),
                                  progress=lambda line, total: frozen.append(gc.get_freeze_count()))
    assert report.count("created") == 2
    assert frozen[0] > 0 and frozen[-1] == 0 and gc.get_freeze_count() == 0
