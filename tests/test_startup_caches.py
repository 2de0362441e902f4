"""The start-up caches: a lineage's head read without Alembic, and manifests validated once.

The head is trusted only for one plain chain of literal ids; anything else is left to Alembic
(None here). Each answer is recorded by the digest of everything it depends on.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmcore.errors import ValidationError
from crmcore.extensions.manifest import manifest_digest, parse_manifest
from crmcore.migrations.heads import simple_head
from crmcore.migrations.lineage import CORE, CORE_VERSIONS, Lineage
from crmcore.startcache import DigestRecord

GADGETS = Path(__file__).parent / "fake_migrations" / "gadgets"
REVISION = '"""{doc}"""\nfrom alembic import op\n\n{body}\n\ndef upgrade():\n    pass\n'


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "versions"
    folder.mkdir()
    for name, body in files.items():
        (folder / f"{name}.py").write_text(REVISION.format(doc=name, body=body), encoding="utf-8")
    return folder


def test_the_head_is_alembics_for_the_shipped_lineages():
    for folder in (CORE_VERSIONS, GADGETS):
        assert simple_head(folder) == Lineage(CORE, folder).head()


@pytest.mark.parametrize("body_b", [
    "revision = 'b' + ''\ndown_revision = 'a'",                   # computed
    "revision = 'b'\nrevision = 'b2'\ndown_revision = 'a'",        # bound twice
    "revision = 'b'\ndown_revision = 'a'\nbranch_labels = ('x',)",
    "revision = 'b'\ndown_revision = 'a'\ndepends_on = 'a'",
    "revision = 'b'\ndown_revision = 'a'\nfrom other import *",
    "revision = 'b'\ndown_revision = 'a'\nif True:\n    revision = 'c'",
    "revision = 'b'\ndown_revision = 'a'\nglobals()['revision'] = 'c'",
    "revision = 'b'\ndown_revision = 'missing'",                  # dangling parent
    "revision = 'b'\ndown_revision = None",                       # two heads
    "revision = 'b-1'\ndown_revision = 'a'",                      # an id Alembic refuses
    "revision = 'b'\ndown_revision = 'a'\ndef upgrade(:",         # syntax error
])
def test_anything_but_a_plain_chain_is_left_to_alembic(tmp_path, body_b):
    folder = _folder(tmp_path, a="revision = 'a'\ndown_revision = None", b=body_b)
    assert simple_head(folder) is None


def test_a_plain_chain_and_a_merge_have_one_head(tmp_path):
    folder = _folder(tmp_path, a="revision = 'a'\ndown_revision = None\nbranch_labels = None",
                     b="revision: str = 'b'\ndown_revision = 'a'\ndepends_on = None",
                     c="revision = 'c'\ndown_revision = 'a'",
                     d="revision = 'd'\ndown_revision = ('b', 'c')")
    (folder / "__init__.py").write_text("revision = 'ignored'\n")
    (folder / "notes.txt").write_text("revision = 'ignored'\n")
    assert simple_head(folder) == "d"
    assert simple_head(tmp_path / "nowhere") is None


def test_the_head_is_recorded_by_the_files_content(tmp_path):
    folder = tmp_path / "gadgets"
    shutil.copytree(GADGETS, folder)
    record = DigestRecord(tmp_path / "cache" / "heads")
    assert simple_head(folder, record) == "gadgets_0002"
    record.save()
    again = DigestRecord(tmp_path / "cache" / "heads")
    (digest, head), = again._values.items()
    again.put(digest, "from-the-record")  # proves a hit is answered from the record
    assert simple_head(folder, again) == "from-the-record"
    (folder / "gadgets_0002_rename.py").unlink()  # another content: parsed again
    assert simple_head(folder, again) == "gadgets_0001"


def test_an_unwritable_record_is_only_a_missed_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    record = DigestRecord(blocker / "cache" / "heads")
    record.put("0" * 64, "x")
    record.save()  # no error
    assert DigestRecord(blocker / "cache" / "heads").get("0" * 64) is None


MANIFEST = {"name": "widgets", "version": "1.0", "summary": "Widgets", "depends": ["contacts"]}


def test_a_manifest_is_validated_once_per_content(tmp_path, monkeypatch):
    import crmcore.extensions.manifest as manifest_module

    record = DigestRecord(tmp_path / "valid-manifests")
    calls: list[str] = []
    real = manifest_module._validate
    monkeypatch.setattr(manifest_module, "_validate", lambda raw, name: (calls.append(name),
                                                                          real(raw, name)))
    assert parse_manifest(dict(MANIFEST), "p", record).depends == ("contacts",)
    assert parse_manifest(dict(MANIFEST), "p", record).name == "widgets"
    assert calls == ["p"]
    parse_manifest({**MANIFEST, "summary": "Other"}, "q", record)
    assert calls == ["p", "q"]
    with pytest.raises(ValidationError, match="invalid extension manifest at"):
        parse_manifest({**MANIFEST, "depends": ("contacts",)}, "r", record)  # a tuple: not JSON


def test_the_digest_tells_json_types_apart():
    assert manifest_digest(MANIFEST) == manifest_digest(dict(reversed(MANIFEST.items())))
    assert manifest_digest({**MANIFEST, "depends": ("contacts",)}) is None
    assert manifest_digest({**MANIFEST, "x": 1}) != manifest_digest({**MANIFEST, "x": True})
    assert manifest_digest({**MANIFEST, "x": 1}) != manifest_digest({**MANIFEST, "x": 1.0})
