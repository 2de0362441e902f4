"""crmcore.db: the settings every SQLite connection gets."""
from __future__ import annotations

from sqlalchemy import text

from crmcore.db import WAL_CHECKPOINT_PAGES, make_engine


def test_a_sqlite_connection_logs_ahead_and_checkpoints_every_few_batches(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.sqlite'}")
    try:
        with engine.connect() as connection:
            read = {name: connection.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "foreign_keys", "synchronous", "wal_autocheckpoint")}
    finally:
        engine.dispose()
    assert read == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1,
                    "wal_autocheckpoint": WAL_CHECKPOINT_PAGES}
    assert WAL_CHECKPOINT_PAGES > 1000  # SQLite's default: a checkpoint at nearly every batch
