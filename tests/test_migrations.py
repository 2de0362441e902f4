"""Migrations: every lineage builds its models' schema; revisions keep data; install and purge
go through them; an out-of-date database is refused with the command that fixes it."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect, text

from crmcore.errors import CrmError
from crmcore.migrations.runner import (SchemaOutOfDate, current_revisions, extension_lineages,
                                       upgrade_lineage)
from crmcore.migrations.status import require_current
from crmcore.testing.migrations import assert_migrations_match_models, schema_differences
from fake_plugins import GADGET_MIGRATIONS, MigratingPlugin


@pytest.mark.parametrize("lineage", ["core", "contacts", "constant-contact"])
def test_core_and_bundled_lineages_build_the_models_schema(make_crm_env, lineage):
    env = make_crm_env("contacts", "constant-contact")
    assert_migrations_match_models(env.crm(), lineage)


def test_schema_check_sees_a_difference(make_crm_env, tmp_path):
    stale = tmp_path / "stale"  # a lineage that forgot gadgets_0002: "title", the model: "label"
    stale.mkdir()
    shutil.copy(GADGET_MIGRATIONS / "gadgets_0001_create.py", stale)
    env = make_crm_env(extra=[MigratingPlugin(migrations=stale)])
    crm = env.crm()
    upgrade_lineage(crm.engine, extension_lineages(crm)["gadgets"])
    kinds = {diff[0] for diff in schema_differences(crm.engine, extension_lineages(crm)["gadgets"])}
    assert kinds == {"add_column", "remove_column"}
    with pytest.raises(AssertionError, match="differs from the models"):
        assert_migrations_match_models(crm, "gadgets")


def test_a_batch_revision_keeps_the_rows(make_crm_env):
    env = make_crm_env(extra=[MigratingPlugin()])
    crm = env.crm()
    lineage = extension_lineages(crm)["gadgets"]
    upgrade_lineage(crm.engine, lineage, "gadgets_0001")
    with crm.engine.begin() as conn:
        conn.execute(text("INSERT INTO test_gadget (id, title) VALUES (1, 'lamp'), (2, 'kettle')"))
    assert upgrade_lineage(crm.engine, lineage) is True
    with crm.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, label FROM test_gadget ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "lamp"), (2, "kettle")]


def test_a_failed_install_leaves_no_lineage_behind(make_crm_env):
    env = make_crm_env(extra=[MigratingPlugin(fail_install=1)])
    result = env.invoke(["extensions", "install", "gadgets", "-y"])
    assert result.exit_code == 1 and "Nothing of it was kept" in result.output
    tables = set(inspect(env.crm().engine).get_table_names())
    assert not {"test_gadget", "alembic_version_gadgets"} & tables
    assert env.invoke(["extensions", "install", "gadgets", "-y"]).exit_code == 0


def test_an_out_of_date_database_is_refused_naming_crm_db_upgrade(make_crm_env):
    env = make_crm_env(extra=[MigratingPlugin()])
    assert env.invoke(["extensions", "install", "gadgets", "-y"]).exit_code == 0
    crm = env.crm()
    lineage = extension_lineages(crm)["gadgets"]
    with crm.engine.begin() as conn:  # as if the plugin's package had just been upgraded
        conn.execute(text("UPDATE alembic_version_gadgets SET version_num = 'gadgets_0001'"))
    with pytest.raises(SchemaOutOfDate, match=r"gadgets: 1 revision\(s\) pending"):
        require_current(crm)
    result = env.invoke(["extensions", "list"])
    assert result.exit_code == 1
    assert "schema is older than the installed CRM" in result.output
    assert "crm db upgrade" in result.output
    with crm.engine.connect() as conn:
        assert current_revisions(conn, lineage) == ("gadgets_0001",)


def test_a_revision_the_code_does_not_know_is_named(make_crm_env):
    env = make_crm_env()
    crm = env.crm()
    with crm.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version_core SET version_num = 'core_9999'"))
    with pytest.raises(CrmError, match="'core_9999'.*newer version"):
        require_current(crm)


def test_update_in_batches_rewrites_every_page_and_only_what_the_transform_returns(crm_env):
    from crmcore.api import update_in_batches

    engine = crm_env.crm().engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t_pages (id INTEGER PRIMARY KEY, email VARCHAR(50), "
                          "domain VARCHAR(50))"))
        conn.execute(text("INSERT INTO t_pages (id, email) VALUES (1, 'a@X.org'), (2, NULL), "
                          "(5, 'b@y.net'), (6, 'c@z.com'), (9, 'd@x.org')"))
    with engine.begin() as conn:
        changed = update_in_batches(
            conn, "t_pages", ["email"], batch_size=2,
            transform=lambda row: {"domain": row["email"].split("@")[1].lower()} if row["email"] else None)
    assert changed == 4
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, domain FROM t_pages ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "x.org"), (2, None), (5, "y.net"), (6, "z.com"),
                                        (9, "x.org")]


def test_authoring_writes_the_next_revision_from_the_models(make_crm_env, tmp_path):
    from crmcore.migrations.authoring import make_revision
    from crmcore.plugins import PluginHost

    stale = tmp_path / "lineage"  # the models say "label"; the lineage still has "title"
    stale.mkdir()
    shutil.copy(GADGET_MIGRATIONS / "gadgets_0001_create.py", stale)
    plugin = MigratingPlugin(migrations=stale)
    path = make_revision("gadgets", "label instead of title",
                         plugins=PluginHost(plugins=[plugin], only=set()))
    assert path.parent == stale and path.name.startswith("gadgets_0002_label_instead_of_title")
    source = path.read_text()
    assert "down_revision = 'gadgets_0001'" in source and "batch_alter_table" in source
    assert "add_column(sa.Column('label', sa.String()" in source
    env = make_crm_env(extra=[plugin])
    assert_migrations_match_models(env.crm(), "gadgets")


def test_a_failing_revision_leaves_its_lineage_as_it_was(make_crm_env, tmp_path):
    folder = tmp_path / "lineage"
    folder.mkdir()
    shutil.copy(GADGET_MIGRATIONS / "gadgets_0001_create.py", folder)
    (folder / "gadgets_0002_broken.py").write_text(
        '"""Adds a table and a column, then fails."""\n'
        "from alembic import op\nimport sqlalchemy as sa\n"
        "revision = 'gadgets_0002'\ndown_revision = 'gadgets_0001'\n"
        "def upgrade():\n"
        "    op.create_table('test_half', sa.Column('id', sa.Integer(), primary_key=True))\n"
        "    with op.batch_alter_table('test_gadget', recreate='always') as batch:\n"
        "        batch.add_column(sa.Column('size', sa.Integer()))\n"
        "    op.execute(\"INSERT INTO test_gadget (id, title) VALUES (1, 'x')\")\n"
        "    raise RuntimeError('half-way')\n"
        "def downgrade():\n    pass\n")
    env = make_crm_env(extra=[MigratingPlugin(migrations=folder)])
    crm = env.crm()
    lineage = extension_lineages(crm)["gadgets"]
    upgrade_lineage(crm.engine, lineage, "gadgets_0001")
    with pytest.raises(RuntimeError, match="half-way"):
        upgrade_lineage(crm.engine, lineage)
    with crm.engine.connect() as conn:
        assert current_revisions(conn, lineage) == ("gadgets_0001",)
        assert conn.execute(text("SELECT count(*) FROM test_gadget")).scalar() == 0
    inspector = inspect(crm.engine)
    assert "test_half" not in inspector.get_table_names()
    assert [c["name"] for c in inspector.get_columns("test_gadget")] == ["id", "title"]


def test_a_lineage_may_own_tables_no_module_declares(make_crm_env):
    from crmcore.api import Migrations
    from fake_plugins import Gadget

    plugin = MigratingPlugin(table=None, migrations=Migrations(GADGET_MIGRATIONS, tables=(Gadget,)))
    env = make_crm_env(extra=[plugin])
    crm = env.crm()
    assert extension_lineages(crm)["gadgets"].tables == {"test_gadget"}
    assert env.invoke(["extensions", "install", "gadgets", "-y"]).exit_code == 0
    assert "test_gadget" in inspect(crm.engine).get_table_names()
    assert_migrations_match_models(crm, "gadgets")
