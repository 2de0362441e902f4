"""A lineage's head read from its revision files' source, without importing Alembic.

Every command checks that the schema is current; loading Alembic and its revision scripts for
that costs a third of a second. This module reads the same files Alembic would (the ``*.py``
files directly in the folder, not ``__init__``), parses each one and takes ``revision`` and
``down_revision`` from plain literal assignments at module level. It answers only when the files
form one simple chain it fully understood; anything else (a computed or repeated id, a star
import, branch labels, ``depends_on``, several heads, a dangling parent, a syntax error) gives
None, and the caller asks Alembic, which reports the problem in its own words. A head found is kept in
a :class:`~crmcore.startcache.DigestRecord` by the digest of the files' names and contents.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
from pathlib import Path

from crmcore.startcache import DigestRecord

#: The file names Alembic reads as revisions (its ``_only_source_rev_file``).
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_UNKNOWN = object()


def simple_head(folder: Path, record: DigestRecord | None = None) -> str | None:
    """The single head of the revisions in ``folder`` when they form one chain read from literal
    assignments; None when the folder is missing, empty or anything is not that simple.

    :param record: where heads found before are kept by the digest of the folder's revision
        files (names and contents), so an unchanged folder is not parsed again; a head found now
        is put there (the caller saves it).
    """
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
    key = digest.hexdigest()
    if record is not None and (known := record.get(key)) is not None:
        return known
    head = _head_of([(Path(folder) / name, source) for name, source in zip(names, sources)])
    if head is not None and record is not None:
        record.put(key, head)
    return head


def _head_of(files: list[tuple[Path, bytes]]) -> str | None:
    parents: dict[str, tuple[str, ...]] = {}
    for path, source in files:
        found = _literal_ids(path, source)
        if found is None or found[0] in parents:
            return None
        parents[found[0]] = found[1]
    children = {p for downs in parents.values() for p in downs}
    if not parents or not children <= set(parents):
        return None
    heads = [rev for rev in parents if rev not in children]
    if len(heads) != 1 or not _acyclic(parents):
        return None
    return heads[0]


def _acyclic(parents: dict[str, tuple[str, ...]]) -> bool:
    """Whether every revision reaches a base (Kahn's algorithm on the parent links)."""
    waiting = {rev: len(downs) for rev, downs in parents.items()}
    children: dict[str, list[str]] = {}
    for rev, downs in parents.items():
        for down in downs:
            children.setdefault(down, []).append(rev)
    ready = [rev for rev, n in waiting.items() if n == 0]
    seen = 0
    while ready:
        rev = ready.pop()
        seen += 1
        for child in children.get(rev, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return seen == len(parents)


def _literal_ids(path: Path, source: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(revision, down revisions) of one file, or None unless both are plain literals assigned
    once at module level, with no branch labels or dependencies and nothing else that could bind
    those names."""
    try:
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError):
        return None
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = {(a.asname or a.name).split(".")[0] for a in node.names}
            if "*" in bound or bound & set(_NAMES) or {"__getattr__"} & bound:
                return None
            continue
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in _NAMES or node.name == "__getattr__":
                return None
            continue
        elif isinstance(node, ast.Expr):
            continue  # the docstring, or a call whose effect cannot rebind (checked below)
        else:
            return None  # if/try/for/with/del/global... at module level: let Alembic decide
        for target in targets:
            if not isinstance(target, ast.Name):
                if any(isinstance(n, ast.Name) and n.id in _NAMES for n in ast.walk(target)):
                    return None
                continue
            if target.id in _NAMES:
                if target.id in values or len(targets) != 1 or node.value is None:
                    return None
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    return None
    if any(isinstance(n, ast.Name) and n.id in ("globals", "vars", "setattr", "exec", "eval")
           for n in ast.walk(tree)):
        return None
    revision, down = values.get("revision", _UNKNOWN), values.get("down_revision", _UNKNOWN)
    if values.get("branch_labels") is not None or values.get("depends_on") is not None:
        return None
    if not _plain_id(revision) or down is _UNKNOWN:
        return None
    if down is None:
        return revision, ()
    if _plain_id(down):
        return revision, (down,)
    if isinstance(down, (tuple, list)) and down and all(_plain_id(d) for d in down) \
            and len(set(down)) == len(down):
        return revision, tuple(down)
    return None


def _plain_id(value: object) -> bool:
    """A revision id Alembic accepts as is: a non-empty string without ``@ - + :`` or spaces."""
    return isinstance(value, str) and bool(value) and not set(value) & set("@-+: ,\t\n")
