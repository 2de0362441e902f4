"""The job queue's schema step (apply, idempotent, drop) and 'crm worker' refusing SQLite."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from crmcore.worker import schema


def test_crm_worker_on_sqlite_exits_non_zero_and_names_the_embedded_path(crm_env):
    if not crm_env.database_url.startswith("sqlite"):
        pytest.skip("the SQLite refusal")
    out = crm_env.run(["worker", "--concurrency", "2"])
    assert out.returncode == 1
    assert "'crm worker' needs PostgreSQL" in out.stderr
    assert "crm scheduler run" in out.stderr and "Traceback" not in out.stderr
    from crmcore.worker.defer import workers_running
    crm = crm_env.crm()
    try:
        assert workers_running(crm) is False  # Sync Now runs in process on SQLite
        with crm.engine.begin() as connection:  # the migration step is a no-op on SQLite
            assert schema.apply_schema(connection) is False
            schema.drop_schema(connection)
    finally:
        crm.close()


def test_only_an_admin_starts_a_worker(crm_env):
    if crm_env.database_url.startswith("sqlite"):
        pytest.skip("workers run on PostgreSQL")
    assert crm_env.invoke(["users", "add", "bob"]).exit_code == 0
    out = crm_env.run(["worker"], CRM_USER="bob")
    assert out.returncode == 3 and "Only an admin can run the background sync worker" in out.stderr


def test_the_queue_schema_is_applied_once_and_dropped_without_touching_the_crm(crm_env):
    if crm_env.database_url.startswith("sqlite"):
        pytest.skip("the job queue lives on PostgreSQL")
    crm = crm_env.crm()
    try:
        with crm.engine.connect() as connection:
            assert schema.has_schema(connection)  # the core's migrations applied it at init
            with_queue = set(inspect(connection).get_table_names())
        with crm.engine.begin() as connection:
            assert schema.apply_schema(connection) is False  # a second call is a no-op
            schema.drop_schema(connection)
        with crm.engine.connect() as connection:
            assert not schema.has_schema(connection)
            crm_tables = set(inspect(connection).get_table_names())
            left = connection.execute(text(
                "SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%' "
                "AND pronamespace = current_schema()::regnamespace")).scalar()
            assert left == 0
        removed = with_queue - crm_tables
        assert removed and all(name.startswith("procrastinate_") for name in removed)
        with crm.engine.begin() as connection:
            assert schema.apply_schema(connection) is True
        with crm.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == with_queue
    finally:
        crm.close()
