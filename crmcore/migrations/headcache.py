"""Lineages' heads as Alembic found them, kept in ``<CRM_HOME>/cache/lineage-heads``.

Every command checks that the schema is current, and loading Alembic and its revision scripts
for that costs a third of a second. The head of a lineage depends only on its revision files, so
once Alembic has found it (:func:`crmcore.migrations.runner.script_facts`), it is recorded in a
:class:`~crmcore.startcache.DigestRecord` by the digest of those files' names and contents: the
``*.py`` files directly in the folder, not ``__init__``, as Alembic reads them. Hashing them is
cheap; a later command whose files hash the same takes the head from the record and imports no
Alembic at all.

Nothing here reads revisions itself. An install or an upgrade records the heads it reached
(:func:`crmcore.migrations.status.remember_heads`, with Alembic loaded already), so the command
after it finds them. A missing entry (after any other change to a revision file, a new package
version say), an unreadable folder or an unreadable or unwritable cache all mean Alembic is
loaded and asked, with its own messages and errors, exactly as without the cache.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from crmcore.startcache import cache_record

#: The file names Alembic reads as revisions (its ``_only_source_rev_file``).
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
#: The record's name in ``<CRM_HOME>/cache``.
RECORD = "lineage-heads"


def revision_files_digest(folder: Path) -> str | None:
    """The sha256 hex digest of the revision files in ``folder`` (their names and contents,
    in name order); None when the folder or a file cannot be read."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.is_file() and _REVISION_FILE.match(e.name))
        sources = [(Path(folder) / name).read_bytes() for name in names]
    except OSError:
        return None
    digest = hashlib.sha256(b"crm-lineage-head-1")
    for name, source in zip(names, sources):
        digest.update(b"\0%s\0%d\0" % (name.encode("utf-8", "surrogateescape"), len(source)))
        digest.update(source)
    return digest.hexdigest()


class HeadCache:
    """Heads found by Alembic before, by the digest of their lineage's revision files.

    :param home: the CRM's home; the record is ``<home>/cache/lineage-heads``, read at once,
        written by :meth:`save`.
    """

    def __init__(self, home: Path) -> None:
        self._record = cache_record(home, RECORD)
        self._digests: dict[Path, str | None] = {}

    def _digest(self, folder: Path) -> str | None:
        if folder not in self._digests:
            self._digests[folder] = revision_files_digest(folder)
        return self._digests[folder]

    def get(self, folder: Path) -> str | None:
        """The head recorded for ``folder``'s current revision files, or None (not recorded, or
        the folder unreadable)."""
        digest = self._digest(folder)
        return None if digest is None else self._record.get(digest)

    def put(self, folder: Path, head: str) -> None:
        """Record ``head``, as Alembic gave it, for ``folder``'s current revision files (nothing
        when the folder cannot be read)."""
        digest = self._digest(folder)
        if digest is not None:
            self._record.put(digest, head)

    def save(self) -> None:
        """Write the record when a head was put; a failure only leaves the cache as it was."""
        self._record.save()
