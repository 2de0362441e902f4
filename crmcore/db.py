"""Database engine and sessions.

SQLite is the embedded default (WAL journal, foreign keys on, a busy timeout so a background sync
and a CLI command can share the file); any SQLAlchemy URL works, PostgreSQL is tested for real.
JSON columns are written and read through orjson (:mod:`crmcore.jsonbody`): a sync stores the
remote values of every link it makes.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from crmcore.jsonbody import decode_json_body, json_text


# SQLite copies the write-ahead log into the database file (a checkpoint: pages written all over
# the file, then an fsync) once the log passes this many pages; its default, 1000 (4 MB), is
# less than one batch of a large sync, which then paid a checkpoint at nearly every commit (17 s
# of a 100k + 100k first sync's 88 here, 8 s with this). Every commit is in the log either way,
# so durability is the same; the log file grows to about 40 MB before it is reused.
WAL_CHECKPOINT_PAGES = 10_000


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=json_text, json_deserializer=decode_json_body)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, json_serializer=json_text,
                         json_deserializer=decode_json_body)


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
