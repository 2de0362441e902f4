"""Small records in ``<CRM_HOME>/cache`` that spare every command work whose answer depends only
on file contents it can hash cheaply (the manifests' validation, the lineages' heads as Alembic
found them).

A record is a text file of ``<sha256 hex digest> <value>`` lines. It is only a cache: a missing,
unreadable or unwritable record means the work is done again, never an error. Each key is the
digest of everything the answer depends on, so a stale entry is never read, only left behind
(the newest :attr:`DigestRecord.LIMIT` entries are kept).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


class DigestRecord:
    """Values by digest, read from ``path`` at once and written by :meth:`save`.

    :param path: the record's file, e.g. ``<CRM_HOME>/cache/valid-manifests``; its folder is
        created (mode 0700) only inside an existing parent.
    """

    LIMIT = 256

    def __init__(self, path: Path) -> None:
        self.path = path
        self._values: dict[str, str] = {}
        try:
            for line in path.read_text(encoding="ascii").splitlines():
                digest, _, value = line.partition(" ")
                if len(digest) == 64 and value:
                    self._values[digest] = value
        except (OSError, UnicodeDecodeError):
            pass
        self._changed = False

    def get(self, digest: str) -> str | None:
        """The value recorded for ``digest``, or None."""
        return self._values.get(digest)

    def put(self, digest: str, value: str) -> None:
        """Record ``value`` (one line of printable ASCII, no spaces) for ``digest``."""
        if self._values.get(digest) != value:
            self._values.pop(digest, None)
            self._values[digest] = value
            self._changed = True

    def save(self) -> None:
        """Write the record, atomically, when something was put; errors are ignored."""
        if not self._changed:
            return
        lines = [f"{d} {v}" for d, v in list(self._values.items())[-self.LIMIT:]]
        try:
            if not self.path.parent.is_dir():
                self.path.parent.mkdir(mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}-")
            try:
                with os.fdopen(fd, "w", encoding="ascii") as out:
                    out.write("\n".join(lines) + "\n")
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return
        self._changed = False


def cache_record(home: Path, name: str) -> DigestRecord:
    """The record ``name`` in ``<home>/cache``."""
    return DigestRecord(home / "cache" / name)
