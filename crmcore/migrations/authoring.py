"""Writing a revision: ``python -m crmcore.migrations.authoring LINEAGE "what it does"``.

A developer tool, for the core and for any installed plugin. It builds a scratch SQLite database,
upgrades the core and every installed extension's lineage to head on it, then has Alembic's
autogenerate compare that with the models and write the difference as the lineage's next
revision (``<lineage>_NNNN_<slug>.py`` in the lineage's folder), in batch mode and with plain
SQLAlchemy types. Review it: autogenerate does not see renames (it writes a drop and an add) nor
data that must move; ``--empty`` writes a blank revision for those. A NOT NULL column added to a
table that has rows needs a ``server_default`` in the revision (the released-schema test, which
has rows, catches a missing one). Then run the lineage's schema
check (``crmcore.testing.migrations``) and the released-schema test.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from crmcore.app import CRM
from crmcore.config import Settings
from crmcore.migrations.lineage import Lineage
from crmcore.plugins import PluginHost
from crmcore.migrations.runner import (core_lineage, dependency_order, extension_lineages,
                                       lineage_named, upgrade_lineage)


def next_revision_id(lineage: Lineage) -> str:
    """``<lineage>_NNNN``: the lineage's name (``-`` as ``_``) and one more than its revisions."""
    prefix = re.sub(r"\W", "_", lineage.name)
    count = sum(1 for _ in lineage.script().walk_revisions())
    return f"{prefix}_{count + 1:04d}"


def make_revision(name: str, message: str, autogenerate: bool = True,
                  rev_id: str | None = None, plugins: PluginHost | None = None) -> Path:
    """Write ``name``'s next revision and return its path (see the module's docstring).
    ``plugins`` defaults to the installed ones (``CRM_PLUGINS`` restricts them)."""
    with tempfile.TemporaryDirectory(prefix="crm-revision-") as where:
        crm = CRM(Settings(home=Path(where), database_url=f"sqlite:///{where}/scratch.sqlite"),
                  plugins=plugins)
        try:
            lineage = lineage_named(crm, name)
            others = extension_lineages(crm)
            for each in [core_lineage(), *(others[n] for n in dependency_order(crm, list(others)))]:
                upgrade_lineage(crm.engine, each, installed=[])
            with crm.engine.begin() as conn:
                cfg = lineage.config()
                cfg.attributes["connection"] = conn
                script = command.revision(cfg, message, autogenerate=autogenerate,
                                          rev_id=rev_id or next_revision_id(lineage))
        finally:
            crm.close()
    return Path(script.path)  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    """Write a new revision of a lineage from the command line (``argv``: default sys.argv)."""
    parser = argparse.ArgumentParser(prog="python -m crmcore.migrations.authoring",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("lineage", help="'core' or an installed extension's name")
    parser.add_argument("message", help="what the revision does, one line")
    parser.add_argument("--empty", action="store_true", help="a blank revision (no autogenerate)")
    parser.add_argument("--rev-id", help="the revision id (default: <lineage>_NNNN)")
    args = parser.parse_args(argv)
    path = make_revision(args.lineage, args.message, autogenerate=not args.empty,
                         rev_id=args.rev_id)
    print(f"Wrote {path}; review it, then run the schema check and the released-schema test.")


if __name__ == "__main__":
    main(sys.argv[1:])
