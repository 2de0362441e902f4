"""The job queue's tables, types and functions: procrastinate's own schema, applied and removed
as one step of the core's migrations.

Every object procrastinate creates is named ``procrastinate_*`` and lives in the schema first
on the connection's ``search_path`` (the CRM's own), so it never collides with the CRM's tables.
:func:`apply_schema` runs procrastinate's shipped ``schema.sql`` (through its ``SchemaManager``,
never a copy); :func:`drop_schema` removes every ``procrastinate_*`` object again (a downgrade).
Both take a SQLAlchemy connection, as an Alembic revision's ``op.get_bind()`` gives, run in
its transaction, and do nothing on SQLite (which has no job queue)::

    def upgrade() -> None:
        from crmcore.worker.schema import apply_schema
        apply_schema(op.get_bind())

    def downgrade() -> None:
        from crmcore.worker.schema import drop_schema
        drop_schema(op.get_bind())

A later procrastinate release that changes its schema ships migration scripts
(``SchemaManager.get_migrations_path()``); a new core revision applies those.
"""
from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from crmcore.errors import CrmError

PREFIX = "procrastinate_"
MARKER_TABLE = "procrastinate_jobs"


def queue_available() -> bool:
    """True when procrastinate (the ``postgres`` extra) is installed."""
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        return False
    return True


def schema_sql() -> str:
    """procrastinate's schema SQL for the installed version (raises :class:`CrmError` when the
    ``postgres`` extra is missing)."""
    try:
        from procrastinate.schema import SchemaManager
    except ImportError:
        raise CrmError("The job queue needs the 'postgres' extra.",
                       "Install it with: pip install 'crm[postgres]'.") from None
    return SchemaManager.get_schema()


def _raw_execute(connection: Connection, sql: str) -> None:
    """Execute a multi-statement script as it is: no parameters, so ``%`` stays literal."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def has_schema(connection: Connection | Engine) -> bool:
    """True when the job queue's tables exist on this database (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return False
    return inspect(connection).has_table(MARKER_TABLE)


def apply_schema(connection: Connection) -> bool:
    """Create the job queue's objects in the current schema; True when it did. Does nothing on
    another backend than PostgreSQL or when they exist already. Raises :class:`CrmError` when
    the ``postgres`` extra (procrastinate) is not installed."""
    if connection.dialect.name != "postgresql" or has_schema(connection):
        return False
    _raw_execute(connection, schema_sql())
    return True


def drop_schema(connection: Connection) -> None:
    """Remove every ``procrastinate_*`` table, view, function, procedure and type from the
    current schema (the downgrade of :func:`apply_schema`); the CRM's own tables are untouched."""
    if connection.dialect.name != "postgresql":
        return
    like = PREFIX.replace("_", r"\_") + "%"
    tables = connection.execute(text(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p') "
        "AND c.relname LIKE :like"), {"like": like}).all()
    for name, kind in tables:
        verb = "VIEW" if kind == "v" else "TABLE"
        connection.execute(text(f'DROP {verb} IF EXISTS "{name}" CASCADE'))
    routines = connection.execute(text(
        "SELECT p.oid::regprocedure::text, p.prokind FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.proname LIKE :like"), {"like": like}).all()
    for signature, kind in routines:
        verb = "PROCEDURE" if kind == "p" else "FUNCTION"
        connection.execute(text(f"DROP {verb} IF EXISTS {signature} CASCADE"))
    types = connection.execute(text(
        "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'c', 'd') "
        "AND t.typname LIKE :like"), {"like": like}).all()
    for (name,) in types:
        connection.execute(text(f'DROP TYPE IF EXISTS "{name}" CASCADE'))
