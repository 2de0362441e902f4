"""Planner settings for bulk reads on PostgreSQL: no sequential scans for a block, and statistics
brought up to date while a first sync fills the links table."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from crmcore.db import make_engine
from crmcore.planner import index_scans_only, refresh_statistics


def test_index_scans_only_turns_sequential_scans_off_for_its_block_alone(database_url):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            if engine.dialect.name != "postgresql":
                with index_scans_only(session):  # nothing to do elsewhere, and no error
                    pass
                return
            setting = "SELECT current_setting('enable_seqscan')"
            assert session.execute(text(setting)).scalar() == "on"
            with index_scans_only(session):
                assert session.execute(text(setting)).scalar() == "off"
            assert session.execute(text(setting)).scalar() == "on"
    finally:
        engine.dispose()


def test_a_sync_that_inserts_many_links_brings_their_statistics_up_to_date(fake_world, monkeypatch):
    from crmcore.sync import applier

    w = fake_world()
    if w.crm.engine.dialect.name != "postgresql":
        assert refresh_statistics(w.crm, "crm_sync_link") is False  # SQLite: nothing to do
        return
    monkeypatch.setattr(applier, "_ANALYZE_FIRST", 3)  # 3 links, then 12, ...
    for i in range(5):
        w.add(w.crm_values(i))
    w.sync()
    with w.crm.engine.connect() as connection:
        assert connection.execute(text(
            "SELECT reltuples FROM pg_class WHERE oid = 'crm_sync_link'::regclass")).scalar() == 5
    # (-1 until the table is first analyzed: autovacuum would take a minute or more)


def test_a_statement_failing_inside_the_block_raises_its_own_error(database_url):
    import pytest
    from sqlalchemy.exc import ProgrammingError

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            if engine.dialect.name != "postgresql":
                return
            with pytest.raises(ProgrammingError, match="no_such_table"):
                with index_scans_only(session):
                    session.execute(text("SELECT * FROM no_such_table"))
            session.rollback()
            assert session.execute(text("SELECT current_setting('enable_seqscan')")).scalar() == "on"
    finally:
        engine.dispose()
