"""core 0006: the change log keyed by ``seq`` with one ``(module, seq)`` index. An upgrade keeps
every change, the readers' queries are served by that index, and the downgrade gives back 0005's
table (``id`` equal to ``seq``, still filled in by the database for new rows)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from crmcore.app import CRM
from crmcore.changes import changes_since, record_changes
from crmcore.config import Settings
from crmcore.migrations.runner import core_lineage, downgrade_lineage, upgrade_lineage
from crmcore.plugins import PluginHost
from crmcore.testing.migrations import schema_differences

AT = "2026-11-30 18:12:40"
ROWS = [(1, "contacts", 10, "create"), (2, "gadgets", 7, "create"), (3, "contacts", 11, "create"),
        (4, "contacts", 10, "update"), (6, "gadgets", 7, "delete")]  # 5: a purged module's


def _crm(database_url: str, home: Path) -> CRM:
    return CRM(Settings(home=home, database_url=database_url),
               plugins=PluginHost(plugins=[], only=set()))


def _changes(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(
        "SELECT seq, module, record_id, op, user_id FROM crm_change ORDER BY seq"))]


def _indexes(crm: CRM) -> dict[str, list[str]]:
    """The table's indexes but those of its constraints (PostgreSQL lists them too)."""
    return {ix["name"]: ix["column_names"] for ix in inspect(crm.engine).get_indexes("crm_change")
            if not ix.get("duplicates_constraint")}


def test_the_upgrade_keeps_every_change_and_leaves_one_index(database_url, tmp_path):
    crm = _crm(database_url, tmp_path)
    try:
        upgrade_lineage(crm.engine, core_lineage(), "core_0005", installed=[])
        with crm.engine.begin() as conn:  # as 0005's code wrote them: the database picks the id
            for seq, module, record_id, op in ROWS:
                conn.execute(text("INSERT INTO crm_change (seq, module, record_id, op, user_id, at)"
                                  " VALUES (:s, :m, :r, :o, 1, :at)"),
                             {"s": seq, "m": module, "r": record_id, "o": op, "at": AT})
        upgrade_lineage(crm.engine, core_lineage(), installed=[])
        with crm.engine.connect() as conn:
            assert _changes(conn) == [(*row, 1) for row in ROWS]
        assert schema_differences(crm.engine, core_lineage()) == []
        table = inspect(crm.engine)
        assert table.get_pk_constraint("crm_change")["constrained_columns"] == ["seq"]
        assert "id" not in {c["name"] for c in table.get_columns("crm_change")}
        assert _indexes(crm) == {"ix_crm_change_module_seq": ["module", "seq"]}
        assert table.get_unique_constraints("crm_change") == []
    finally:
        crm.close()


def test_the_downgrade_gives_back_0005s_table_with_its_rows(database_url, tmp_path):
    crm = _crm(database_url, tmp_path)
    try:
        upgrade_lineage(crm.engine, core_lineage(), installed=[])
        from sqlmodel import Session
        with Session(crm.engine) as session:
            record_changes(session, "contacts", [10, 11, 12], "create", 1)
            session.commit()
        downgrade_lineage(crm.engine, core_lineage(), "core_0005")
        assert _indexes(crm) == {"ix_crm_change_module": ["module"], "ix_crm_change_seq": ["seq"]}
        table = inspect(crm.engine)
        assert table.get_pk_constraint("crm_change")["constrained_columns"] == ["id"]
        assert [u["column_names"] for u in table.get_unique_constraints("crm_change")] == [["seq"]]
        with crm.engine.begin() as conn:
            assert [tuple(r) for r in conn.execute(text(
                "SELECT id, seq, record_id FROM crm_change ORDER BY seq"))] == [
                (1, 1, 10), (2, 2, 11), (3, 3, 12)]
            conn.execute(text("INSERT INTO crm_change (seq, module, record_id, op, user_id, at) "
                              "VALUES (4, 'contacts', 13, 'create', 1, :at)"), {"at": AT})
            assert conn.execute(text("SELECT id FROM crm_change WHERE seq = 4")).scalar() == 4
        upgrade_lineage(crm.engine, core_lineage(), installed=[])
        assert schema_differences(crm.engine, core_lineage()) == []
        with Session(crm.engine) as session:
            assert [[c.seq for c in batch] for batch in changes_since(session, "contacts", 1, 2)] \
                == [[2, 3], [4]]
    finally:
        crm.close()
