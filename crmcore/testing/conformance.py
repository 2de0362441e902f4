"""The conformance suite every connector passes: a test-class factory a connector author runs in
a few lines, given a live remote and credentials::

    # tests/test_conformance.py of a connector package
    from crmcore.testing.conformance import RemoteHarness, connector_test_class

    class MyHarness(RemoteHarness):
        ...  # start the remote (a sandbox, a test server), connect, create/update/delete, live

    TestMyConnector = connector_test_class("my-connector", plugins=("contacts", "my-connector"),
                                           harness=MyHarness)

Each check runs on SQLite, and on PostgreSQL too when ``CRM_TEST_DATABASE_URL`` is set. What
it checks (a check the connector or its harness cannot support is skipped with the reason):

- the manifest, the settings, options and mapping schemas are valid; the plugin's package
  imports only ``crmcore.api`` (and ``crmcore``) of the core; its migrations, if any, build what
  its models declare (:mod:`crmcore.testing.migrations`);
- ``crm sync test`` says "ready" with good credentials, and with bad ones fails with a message
  and a hint naming a command, the connection then needing new credentials / re-authorization;
- reads page, ids are unique, values fit the declared limits; deletes appear in the change
  feed as tombstones; a second incremental read brings no change; edits and deletes made on
  the remote show up in the CRM; an invalid cursor recovers by a full read without duplicates
  or deletions; writes round-trip; a stale write (the record changed since it was read) is a
  conflict decided by the policy, never a silent overwrite; a record the remote refuses
  becomes a skip with a reason while the others sync;
- over the real engine: a second run writes nothing; a run killed at any of N points, then run
  again, ends as one clean run does; random edit histories on both sides converge with no
  duplicates (hypothesis); consent withdrawn on the remote is never given back by the CRM.
"""
from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from crmcore.testing.conformance_world import RemoteHarness, Unsupported, World, world

__all__ = ["connector_test_class", "RemoteHarness", "Unsupported", "World"]


def _skip_unsupported(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Unsupported as exc:
        pytest.skip(str(exc))


def connector_test_class(connector: str, *, plugins: Sequence[str],
                         harness: Callable[[], RemoteHarness],
                         extra_plugins: Sequence[object] = (),
                         package: str | None = None, examples: int = 8,
                         kill_points: int = 4) -> type:
    """A pytest test class of every conformance check for ``connector`` (its registered name).

    ``plugins``: the plugin names the CRM loads (the module's and the connector's);
    ``harness``: a factory of a started-on-enter :class:`RemoteHarness` (one per test);
    ``extra_plugins``: plugin objects registered directly (a connector not installed as a
    distribution); ``package``: the import name of the connector's package, for the import
    check (default: the package its connector class lives in); ``examples``: hypothesis
    examples of the convergence property; ``kill_points``: how many points of a run to kill.
    Name the result ``Test...`` at module level so pytest collects it."""

    class ConnectorConformance:
        connector_name = connector

        @pytest.fixture
        def make_world(self, database_url, tmp_path, monkeypatch):
            made: list[Any] = []

            def factory(name: str = "w"):
                context = world(database_url, tmp_path / name, monkeypatch, connector, plugins,
                                extra_plugins, harness)
                found = context.__enter__()
                made.append(context)
                return found

            yield factory
            for context in reversed(made):
                context.__exit__(None, None, None)

        # -- declarations -----------------------------------------------------------------------

        def test_manifest_settings_options_and_mapping_are_valid(self, make_world):
            from jsonschema import Draft202012Validator

            from crmcore.sync.mapping import FieldMapping

            w = make_world()
            c = w.connector
            for schema in (c.settings_schema, c.options_schema):
                if schema:
                    Draft202012Validator.check_schema(schema)
            assert c.name and c.label and c.module and c.extension and c.fields
            assert c.email_field in {f.name for f in c.fields}
            names = [f.name for f in c.fields]
            assert len(names) == len(set(names)), "remote field names repeat"
            FieldMapping.from_data(c.default_mapping, w.module, c)  # raises on any problem
            with w.crm.session() as session:
                from crmcore.extensions import store
                assert store.is_installed(session, c.extension)

        def test_the_plugin_imports_only_the_public_api(self, make_world):
            w = make_world()
            name = package or type(w.connector).__module__.rsplit(".", 1)[0]
            root = Path(importlib.import_module(name).__file__).parent
            offenders = []
            for path in root.rglob("*.py"):
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    modules = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                               else [a.name for a in node.names] if isinstance(node, ast.Import)
                               else [])
                    for module in modules:
                        if (module.split(".")[0] == "crmcore"
                                and module not in ("crmcore", "crmcore.api")
                                and not module.startswith((name, "crmcore.testing"))):
                            offenders.append(f"{path.name}:{node.lineno} imports {module}")
            assert offenders == [], offenders

        def test_migrations_build_what_the_models_declare(self, make_world):
            from crmcore.migrations.runner import extension_lineages
            from crmcore.testing.migrations import assert_migrations_match_models

            w = make_world()
            if w.connector.extension not in extension_lineages(w.crm):
                pytest.skip("the connector's extension has no migrations of its own")
            assert_migrations_match_models(w.crm, w.connector.extension)

        # -- credentials ------------------------------------------------------------------------

        def test_good_credentials_are_ready_and_bad_ones_say_what_to_do(self, make_world):
            w = make_world()
            ok = w.env.invoke(["sync", "test", connector])
            assert ok.exit_code == 0 and "ready" in ok.output, ok.output
            _skip_unsupported(lambda: w.harness.break_credentials(w.env))
            bad = w.env.invoke(["sync", "test", connector])
            assert bad.exit_code != 0, bad.output
            assert "crm sync " in bad.output and "Traceback" not in bad.output, bad.output
            listing = w.env.invoke(["sync", "connectors", "--json"])
            import json
            row = next(r for r in json.loads(listing.output) if r["name"] == connector)
            assert row["status"] in ("needs new credentials", "needs re-authorization"), row

        # -- reading ----------------------------------------------------------------------------

        def _session(self, w: World):
            from crmcore.auth.connections import open_api_client

            api = open_api_client(w.crm, w.connection_id)
            return api, w.connector.open(api, {})

        def test_reads_page_with_unique_ids_and_values_within_limits(self, make_world):
            w = make_world()
            size = w.harness.page_size
            count = (2 * size + 1) if size else 12
            for i in range(count):
                w.harness.create(w.harness.new_values(i))
            api, session = self._session(w)
            try:
                pages = list(session.read_changes(None, w.mapping.remote_fields))
            finally:
                session.close()
                api.close()
            records = [r for p in pages for r in p.records]
            ids = [r.remote_id for r in records]
            assert len(ids) == len(set(ids)) == count
            assert pages[-1].cursor is not None, "the read gave no cursor to resume from"
            limits = {f.name: f.max_length for f in w.connector.fields if f.max_length}
            for record in records:
                assert record.updated_at is None or record.updated_at.tzinfo is not None, \
                    "updated_at must be aware (UTC), or None when the service gives no time"
                for name, limit in limits.items():
                    value = record.values.get(name)
                    assert not isinstance(value, str) or len(value) <= limit, (name, value)
            if size:
                assert len([p for p in pages if p.records]) >= 3, "the read did not page"
            else:
                pytest.skip("paging not checked: the harness gives no page size")

        def test_a_second_read_brings_no_change_and_deletes_are_tombstones(self, make_world):
            w = make_world()
            ids = [w.harness.create(w.harness.new_values(i)) for i in range(3)]
            w.harness.settle()
            api, session = self._session(w)
            try:
                first = list(session.read_changes(None, w.mapping.remote_fields))
                seen = {r.remote_id: (r.values, r.updated_at) for p in first for r in p.records}
                cursor = first[-1].cursor
                again = list(session.read_changes(cursor, w.mapping.remote_fields))
                changed = [r.remote_id for p in again for r in p.records
                           if seen.get(r.remote_id) != (r.values, r.updated_at)]
                assert changed == [], "a second incremental read brought changes"
                cursor = again[-1].cursor or cursor
                w.harness.delete(ids[0])
                w.harness.update(ids[1], {w.connector.email_field:
                                          w.harness.new_values(100)[w.connector.email_field]})
                after = list(session.read_changes(cursor, w.mapping.remote_fields))
            finally:
                session.close()
                api.close()
            got = {r.remote_id: r for p in after for r in p.records}
            assert ids[0] in got and got[ids[0]].deleted, "a delete did not show in the feed"
            assert ids[1] in got and not got[ids[1]].deleted

        def test_edits_and_deletes_on_the_remote_reach_the_crm(self, make_world):
            w = make_world()
            ids = [w.harness.create(w.harness.new_values(i)) for i in range(3)]
            w.sync()
            assert len(w.records()) == 3
            w.harness.update(ids[0], {w.connector.email_field:
                                      w.harness.new_values(50)[w.connector.email_field]})
            w.harness.delete(ids[1])
            w.harness.settle()
            summary = w.sync()
            assert w.writes(summary).get("crm") == {"updated": 1, "deleted": 1}, summary.counts
            w.assert_converged()

        def test_an_invalid_cursor_recovers_without_duplicates_or_deletions(self, make_world):
            w = make_world()
            for i in range(4):
                w.harness.create(w.harness.new_values(i))
            w.add(w.crm_values(10))
            w.sync()
            before = w.state()
            _skip_unsupported(lambda: w.harness.invalidate_cursor(w.env))
            summary = w.sync()
            assert w.writes(summary) == {side: {} for side in summary.counts}, summary.counts
            assert w.state() == before
            assert w.writes(w.sync()) == {side: {} for side in summary.counts}

        # -- writing ----------------------------------------------------------------------------

        def test_writes_round_trip(self, make_world):
            from crmcore.api import RemoteWrite

            w = make_world()
            values = w.mapping.to_remote(w.crm_values(7)).values
            api, session = self._session(w)
            try:
                [created] = session.write([RemoteWrite(key=1, values=values)])
                assert created.ok, created.error
                if created.link_by_email:
                    pytest.skip("creates go by bulk here: round trip checked by the engine tests")
                stored = session.read_many([created.remote_id])[created.remote_id]
                assert w.mapping.remote_fingerprint(stored.values) == w.mapping.remote_fingerprint(values)
                changed = {**values, **w.mapping.to_remote(
                    {**w.crm_values(7), **_other_name(w)}).values}
                [updated] = session.write([RemoteWrite(key=1, values=changed,
                                                       remote_id=created.remote_id,
                                                       previous=values, version=stored.version)])
                assert updated.ok, updated.error
                again = session.read_many([created.remote_id])[created.remote_id]
                assert w.mapping.remote_fingerprint(again.values) == w.mapping.remote_fingerprint(changed)
            finally:
                session.close()
                api.close()

        def test_a_stale_write_is_reported_stale_not_applied(self, make_world):
            """The engine decides a stale write by the policy (tests/engine); here: the
            connector reports it instead of overwriting the newer record."""
            from crmcore.api import STALE, RemoteWrite

            w = make_world()
            rid = w.harness.create(w.harness.new_values(1))
            api, session = self._session(w)
            try:
                record = session.read_many([rid])[rid]
                if record.version is None:
                    pytest.skip("the service has no record versions (no ETag / revision): "
                                "nothing can be stale")
                w.harness.update(rid, _remote_other_name(w, "Newer"))
                [outcome] = session.write([RemoteWrite(
                    key=1, values={**record.values, **_remote_other_name(w, "Older")},
                    remote_id=rid, previous=record.values, version=record.version)])
                assert outcome.stale and not outcome.ok, outcome
                assert session.delete([rid], {rid: record.version}) == {rid: STALE}
            finally:
                session.close()
                api.close()
            assert w.harness.live()[rid] == {**w.harness.live()[rid], **_remote_other_name(w, "Newer")}

        def test_a_record_the_remote_refuses_is_a_skip_with_a_reason(self, make_world):
            w = make_world()
            refused = _skip_unsupported(w.harness.refused_crm_values)
            good = w.add(w.crm_values(1))
            bad = w.add({**w.crm_values(2), **refused})
            summary = w.sync()
            skipped = [i for i in w.items(summary.run_id) if i["action"] == "skipped"]
            assert [i["record_id"] for i in skipped] == [bad], skipped
            assert skipped[0]["reason"], skipped
            emails = {v.get(w.connector.email_field) for v in w.harness.live().values()}
            assert w.records()[good][w.email_crm] in emails

        # -- over the real engine -----------------------------------------------------------------

        def test_a_second_run_writes_nothing(self, make_world):
            w = make_world()
            for i in range(3):
                w.harness.create(w.harness.new_values(i))
                w.add(w.crm_values(10 + i))
            first = w.sync()
            assert w.writes(first) != {side: {} for side in first.counts}
            w.harness.settle()
            second = w.sync()
            assert w.writes(second) == {side: {} for side in second.counts}, second.counts
            w.assert_converged()

        def test_a_run_killed_anywhere_converges_to_the_clean_end(self, make_world, monkeypatch):
            from crmcore.testing import kill

            reference = make_world("reference")
            _history(reference)
            commits = kill.count_commits(monkeypatch, reference.sync)
            expected = reference.state()
            points = sorted({max(1, round(commits * k / (kill_points + 1)))
                             for k in range(1, kill_points + 1)})
            for point in points:
                w = make_world(f"killed-{point}")
                _history(w)
                kill.at_commit(monkeypatch, point, lambda: w.sync(expect="failed"))
                w.harness.settle()
                w.sync()
                assert w.state() == expected, f"killed at commit {point} of {commits}"
                w.harness.settle()
                again = w.sync()
                assert w.writes(again) == {side: {} for side in again.counts}, point

        def test_random_edit_histories_converge_without_duplicates(self, make_world):
            from hypothesis import HealthCheck, given, settings
            from hypothesis import strategies as st

            counter = iter(range(10**6))
            ops = st.lists(st.tuples(st.sampled_from(["crm-add", "crm-edit", "crm-delete",
                                                      "remote-add", "remote-edit", "remote-delete",
                                                      "sync"]),
                                     st.integers(0, 5)), min_size=1, max_size=12)

            @settings(max_examples=examples, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(ops)
            def play(history):
                w = make_world(f"h{next(counter)}")
                for op, n in history:
                    _apply(w, op, n)
                w.harness.settle()
                w.sync()
                w.harness.settle()
                w.sync()
                w.assert_converged()

            play()

        def test_consent_withdrawn_on_the_remote_is_never_given_back(self, make_world):
            w = make_world()
            if not w.connector.consent_fields:
                pytest.skip("the connector declares no consent fields")
            rid = w.harness.create(w.harness.new_values(1))
            w.sync()
            _skip_unsupported(lambda: w.harness.withdraw_consent(rid))
            [record_id] = w.records()
            w.edit(record_id, _other_name(w, "Edited"))
            w.harness.settle()
            w.sync()
            assert w.harness.consent_withdrawn(w.harness.live()[rid])
            flags = {e.crm for e in w.mapping.entries
                     if set(e.remote) & set(w.connector.consent_fields)}
            for flag in flags:  # the CRM learnt it, and undoing it there does not resubscribe
                w.edit(record_id, {flag: not w.records()[record_id][flag]})
            w.harness.settle()
            w.sync()
            assert w.harness.consent_withdrawn(w.harness.live()[rid])

    ConnectorConformance.__name__ = f"ConnectorConformance_{connector.replace('-', '_')}"
    return ConnectorConformance


def _other_name(w: World, text: str = "Changed") -> dict[str, Any]:
    """CRM values changing one mapped, optional text field (not the email)."""
    for entry in w.mapping.entries:
        spec = w.module.field(entry.crm)
        if entry.crm != w.email_crm and spec.type == "string" and entry.to_remote_side:
            return {entry.crm: text}
    raise AssertionError("the mapping has no text field besides the email")


def _remote_other_name(w: World, text: str) -> dict[str, Any]:
    entry = next(e for e in w.mapping.entries if e.crm == next(iter(_other_name(w))))
    return {entry.remote[0]: text}


def _history(w: World) -> None:
    """Linked pairs, then every kind of change on both sides."""
    remote = [w.harness.create(w.harness.new_values(i)) for i in range(4)]
    crm = [w.add(w.crm_values(10 + i)) for i in range(4)]
    w.harness.settle()
    w.sync()
    for i in range(3):
        w.add(w.crm_values(20 + i))
        w.harness.create(w.harness.new_values(30 + i))
    w.edit(crm[0], _other_name(w, "CrmEdit"))
    w.harness.update(remote[0], _remote_other_name(w, "RemoteEdit"))
    w.remove(crm[1])
    w.harness.delete(remote[1])
    w.harness.settle()


def _apply(w: World, op: str, n: int) -> None:
    crm = sorted(w.records())
    remote = sorted(w.harness.live())
    if op == "crm-add":
        w.add(w.crm_values(200 + n))  if not _crm_has(w, 200 + n) else None
    elif op == "remote-add":
        if not _remote_has(w, 300 + n):
            w.harness.create(w.harness.new_values(300 + n))
    elif op == "crm-edit" and crm:
        w.edit(crm[n % len(crm)], _other_name(w, f"Crm{n}"))
    elif op == "crm-delete" and crm:
        w.remove(crm[n % len(crm)])
    elif op == "remote-edit" and remote:
        w.harness.update(remote[n % len(remote)], _remote_other_name(w, f"Remote{n}"))
    elif op == "remote-delete" and remote:
        w.harness.delete(remote[n % len(remote)])
    elif op == "sync":
        w.harness.settle()
        w.sync()


def _crm_has(w: World, i: int) -> bool:
    email = w.crm_values(i)[w.email_crm]
    return any((v.get(w.email_crm) or "").casefold() == email.casefold()
               for v in w.records(deleted=True).values())


def _remote_has(w: World, i: int) -> bool:
    email = w.harness.new_values(i)[w.connector.email_field]
    return any((v.get(w.connector.email_field) or "").casefold() == email.casefold()
               for v in w.harness.live().values())
