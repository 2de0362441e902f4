"""The start-up caches: a lineage's head as Alembic found it, and manifests validated once.

Each answer is recorded by the digest of everything it depends on; a missed or unusable cache
means the work is done again, by Alembic for the heads, with its own errors.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmcore.errors import ValidationError
from crmcore.extensions.manifest import manifest_digest, parse_manifest
from crmcore.migrations.headcache import RECORD, HeadCache
from crmcore.migrations.lineage import CORE_VERSIONS
from crmcore.migrations.runner import extension_lineages, script_facts
from crmcore.migrations.status import require_current
from crmcore.startcache import DigestRecord

from fake_plugins import GADGET_MIGRATIONS, MigratingPlugin


def test_the_head_is_recorded_by_the_files_content(tmp_path):
    folder = tmp_path / "gadgets"
    shutil.copytree(GADGET_MIGRATIONS, folder)
    heads = HeadCache(tmp_path)
    assert heads.get(folder) is None
    heads.put(folder, "gadgets_0002")
    heads.save()
    again = HeadCache(tmp_path)
    assert again.get(folder) == "gadgets_0002"
    (folder / "__init__.py").write_text("revision = 'ignored'\n")  # not a revision file
    assert HeadCache(tmp_path).get(folder) == "gadgets_0002"
    (folder / "gadgets_0002_rename.py").unlink()  # another content: not recorded
    assert HeadCache(tmp_path).get(folder) is None
    assert HeadCache(tmp_path).get(tmp_path / "nowhere") is None


def test_an_unwritable_record_is_only_a_missed_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    record = DigestRecord(blocker / "cache" / "heads")
    record.put("0" * 64, "x")
    record.save()  # no error
    assert DigestRecord(blocker / "cache" / "heads").get("0" * 64) is None
    heads = HeadCache(blocker)
    heads.put(CORE_VERSIONS, "x")
    heads.save()  # no error
    assert HeadCache(blocker).get(CORE_VERSIONS) is None


def test_a_miss_records_exactly_alembics_heads_and_a_broken_file_fails_as_before(
        make_crm_env, tmp_path):
    """With a cold cache the check asks Alembic: the heads recorded are the very heads Alembic
    reports; a revision file that fails on import then fails the check as Alembic fails it, the
    head recorded for the folder's former content notwithstanding."""
    folder = tmp_path / "gadgets"
    shutil.copytree(GADGET_MIGRATIONS, folder)
    env = make_crm_env("contacts", extra=[MigratingPlugin(migrations=folder)])
    for name in ("contacts", "gadgets"):
        assert env.invoke(["extensions", "install", name, "-y"]).exit_code == 0
    crm = env.crm()
    try:
        shutil.rmtree(crm.settings.home / "cache", ignore_errors=True)
        crm.settings.home.mkdir(exist_ok=True)  # a PostgreSQL CRM's home is not made by the env
        require_current(crm)
        lineages = extension_lineages(crm)
        folders = [CORE_VERSIONS, lineages["contacts"].folder, folder]
        recorded = HeadCache(crm.settings.home)
        assert [recorded.get(f) for f in folders] == [script_facts(f)[0] for f in folders]
        assert recorded.get(folder) == "gadgets_0002"
        assert (crm.settings.home / "cache" / RECORD).read_text().count("\n") == 3

        broken = folder / "gadgets_0003_broken.py"
        broken.write_text('"""Broken."""\nimport no_such_module_anywhere\n\n'
                          "revision = 'gadgets_0003'\ndown_revision = 'gadgets_0002'\n")
        script_facts.cache_clear()  # as in a new process; the record still holds the old files' head
        with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
            script_facts(folder)  # what Alembic itself does with that file
        with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
            require_current(crm)
    finally:
        script_facts.cache_clear()
        crm.close()


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
