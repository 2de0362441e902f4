"""The contacts lineage builds the list-order index that the models declare (an expression index,
which Alembic's schema comparison and SQLAlchemy's reflection do not see), and a purge takes it
away with the table."""
from sqlalchemy import text

NAME = "ix_contact_name_order"


def _has_index(crm) -> bool:
    query = ("SELECT name FROM sqlite_master WHERE type = 'index' AND name = :name"
             if crm.engine.dialect.name == "sqlite" else
             "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
             "AND indexname = :name")
    with crm.engine.connect() as conn:
        return conn.execute(text(query), {"name": NAME}).first() is not None


def test_installing_contacts_builds_the_name_order_index(make_crm_env):
    env = make_crm_env("contacts")
    assert env.invoke(["extensions", "install", "contacts", "-y"]).exit_code == 0
    crm = env.crm()
    try:
        assert _has_index(crm)
    finally:
        crm.close()
    assert env.invoke(["extensions", "uninstall", "contacts", "--purge", "-y"]).exit_code == 0
    crm = env.crm()
    try:
        assert not _has_index(crm)
    finally:
        crm.close()
