"""A lineage: one chain of Alembic revisions with its own version table.

The core has one (``core``); each extension that ships migrations has one named after it. A
lineage's version table is ``alembic_version_<name>`` (``-`` and other non-word characters become
``_``), so each chain upgrades on its own, and a CRM still upgrades when the package of an
extension is gone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Alembic is imported when a lineage's revisions are first read
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: Where ``env.py`` and ``script.py.mako`` live, shared by every lineage.
ENVIRONMENT_DIR = Path(__file__).parent
#: The core's own revision files.
CORE_VERSIONS = ENVIRONMENT_DIR / "versions"
CORE = "core"
VERSION_TABLE_PREFIX = "alembic_version_"


def version_table_name(lineage: str) -> str:
    """``alembic_version_<name>`` with every non-word character of ``name`` made ``_``."""
    return VERSION_TABLE_PREFIX + re.sub(r"\W", "_", lineage)


@dataclass(frozen=True)
class Migrations:
    """What ``crm_migrations`` may return instead of a bare folder: the folder, plus the models of
    tables the extension owns that no module of it declares (a connector's own bookkeeping).

    :param folder: the directory of the extension's revision files.
    :param tables: SQLModel table classes owned by this lineage besides its modules' tables.
    """

    folder: Path
    tables: tuple = ()


@dataclass(frozen=True)
class Lineage:
    """One chain of revisions.

    :param name: ``core`` or the extension's name.
    :param folder: the directory holding the revision files (``*.py``).
    :param tables: names of the tables this lineage owns; autogenerate and the schema check look
        at these only, so lineages never propose to drop each other's tables.
    :param plugin: the plugin that provides it (None for the core).
    """

    name: str
    folder: Path
    tables: frozenset[str] = field(default_factory=frozenset)
    plugin: object | None = field(default=None, compare=False)

    @property
    def version_table(self) -> str:
        """The table where Alembic keeps this lineage's revision (``alembic_version_<name>``)."""
        return version_table_name(self.name)

    def config(self) -> Config:
        """An Alembic ``Config`` for this lineage, built in memory (no ``alembic.ini``)."""
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(ENVIRONMENT_DIR))
        cfg.set_main_option("version_locations", str(self.folder))
        cfg.set_main_option("path_separator", "os")
        cfg.attributes["lineage"] = self
        return cfg

    def script(self) -> ScriptDirectory:
        """The lineage's revisions, read from its folder."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config())

    def head(self) -> str | None:
        """The newest revision; a lineage must have exactly one head."""
        return self.script().get_current_head()

    def first(self) -> str:
        """The lineage's first revision: the schema the extension had before it had migrations
        (for the core and the bundled extensions, release 0.1.0)."""
        bases = self.script().get_bases()
        if len(bases) != 1:
            raise ValueError(f"Lineage {self.name!r} has {len(bases)} first revisions; it needs one.")
        return bases[0]
