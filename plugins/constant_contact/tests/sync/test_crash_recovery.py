"""A run killed anywhere, then run again, ends where one clean run ends (DESIGN.md: "Runs are atomic
per batch and resumable").

Every test builds the same starting data twice: once for a reference world synced by one clean
run, once for a world whose run dies at a chosen point and is then run again. The two end states
are compared by email (ids differ between worlds): CRM contacts with their mapped values and
recycle-bin state, remote contacts with theirs, and the links between them; neither side may hold
a duplicate, and one more run must write nothing.

For the injected deaths, pages and push batches are made small (5) so that "after the first page"
and "the second batch" exist with a few dozen records; the real kill runs with the defaults.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlmodel import select

from crm_constant_contact import session as cc_session
from crm_constant_contact import translate
from crm_constant_contact.connector import ConstantContactConnector
from crmcore.http import ApiClient
from crmcore.sync import engine as sync_engine
from crmcore.sync.applier import Applier
from crmcore.sync.push import Pusher
from crmcore.sync.mapping_store import get_mapping
from crmcore.sync.models import SyncCheckpoint

SMALL = 5


class Killed(Exception):
    """Stands for the process dying at this point."""


RECORD_BY_RECORD, BULK = "record by record", "bulk"


def small_pages_and_batches(mode: str, mp: pytest.MonkeyPatch) -> None:
    """Pages of 5; push batches of 5 (writes go record by record), or the connector's own batch
    size (a batch of more than a few writes goes through its bulk path, when it has one)."""
    mp.setattr(cc_session, "PAGE_SIZE", SMALL)
    if mode == RECORD_BY_RECORD:
        mp.setattr(ConstantContactConnector, "write_batch_size", SMALL, raising=False)


# -- worlds ------------------------------------------------------------------------------------------


# -- the starting data -----------------------------------------------------------------------------


def prepare(world, scale: int = 1) -> None:
    """Linked pairs from a first sync, then every kind of change on both sides since then."""
    c = world.contact
    n = 10 * scale
    for i in range(n):
        world.add(first_name=f"Pat{i}", last_name="Linked", email=f"pat{i}@example.com", title="Staff")
    world.seed(*[c(f"rem{i}@example.com", f"Rem{i}", "Linked", job_title="Staff") for i in range(n)])
    world.sync()
    crm = {v["email"]: i for i, v in world.contacts().items()}
    remote = {x["email_address"]["address"]: x["contact_id"] for x in world.sandbox.contacts()}

    # new on each side (the CRM's come first in the change sequence: the first push writes are creates)
    for i in range(8 * scale):
        world.add(first_name=f"New{i}", last_name="Crm", email=f"new{i}@example.com",
                  mobile_phone=f"555-01{i:02}")
    world.seed(*[c(f"fresh{i}@example.com", f"Fresh{i}", "Remote", company_name="Acme")
                 for i in range(12 * scale)])
    # first matches by email, each side with values the other lacks
    for i in range(3):
        world.add(first_name=f"Match{i}", last_name="Crm", email=f"match{i}@example.com", title="Buyer")
    world.seed(*[c(f"MATCH{i}@Example.com", f"Match{i}", "Remote", company_name="Remote Co")
                 for i in range(3)])
    # edits of linked pairs on either side
    for i in range(3):
        world.update(crm[f"pat{i}@example.com"], title="Manager", organization="Pat & Co")
        world.sandbox.update_contact(remote[f"rem{i}@example.com"], {"job_title": "Director"})
    # conflicts: pat3's remote side changes last, rem3's CRM side changes last
    world.update(crm["pat3@example.com"], title="CRM wins not")
    world.sandbox.update_contact(remote["pat3@example.com"], {"job_title": "Remote wins"})
    world.sandbox.update_contact(remote["rem3@example.com"], {"job_title": "Remote wins not"})
    world.update(crm["rem3@example.com"], title="CRM wins")
    # deletes on either side
    for email in ("pat4@example.com", "pat5@example.com", "rem8@example.com"):
        world.delete(crm[email])
    for email in ("rem4@example.com", "rem5@example.com", "pat8@example.com"):
        world.sandbox.delete_contact(remote[email])
    # email changes on either side
    world.update(crm["pat6@example.com"], email="pat6@new.example.com")
    world.sandbox.update_contact(remote["rem6@example.com"], {"email_address": {"address": "rem6@new.example.com"}})
    # consent: unsubscribed in Constant Contact; opted out in the CRM
    world.sandbox.update_contact(remote["rem7@example.com"],
                                 {"email_address": {"permission_to_send": "unsubscribed"}})
    world.update(crm["pat7@example.com"], email_opt_out=True)


# -- comparing end states --------------------------------------------------------------------------


def norm(email) -> str | None:
    return email.strip().casefold() if isinstance(email, str) and email.strip() else None


def end_state(world) -> dict:
    """Both sides and the links, by email; asserts there is no duplicate anywhere."""
    mapping = get_mapping(world.crm, "constant-contact")
    crm = world.contacts(deleted=True)
    remote = {c["contact_id"]: c for c in world.sandbox.contacts(include_deleted=True)}
    live_crm = Counter(norm(v["email"]) for v in crm.values() if not v["_deleted"])
    assert all(n == 1 for n in live_crm.values()), f"CRM duplicates: {live_crm}"
    owners = Counter(norm(c["email_address"]["address"]) for c in remote.values())
    assert all(n == 1 for n in owners.values()), f"remote duplicates: {owners}"
    links = world.links()
    assert len({x.record_id for x in links}) == len({x.remote_id for x in links}) == len(links)

    def keys(values):
        return json.dumps(values, default=str, ensure_ascii=False)

    return {
        "crm": sorted((norm(v["email"]) or "", v["_deleted"], keys(mapping.crm_keys(v)))
                      for v in crm.values()),
        "remote": sorted((norm(c["email_address"]["address"]), bool(c.get("deleted_at")),
                          keys(mapping.remote_keys(translate.flatten(c)))) for c in remote.values()),
        "links": sorted((norm(crm[x.record_id]["email"]) or "",
                         norm(remote[x.remote_id]["email_address"]["address"]),
                         x.crm_deleted, x.remote_deleted) for x in links),
    }


def differences(got: dict, want: dict) -> list[str]:
    out = []
    for part in want:
        extra = sorted(set(got[part]) - set(want[part]))
        missing = sorted(set(want[part]) - set(got[part]))
        out += [f"{part}: unexpected {x}" for x in extra] + [f"{part}: missing {x}" for x in missing]
    return out


def assert_quiet(world) -> None:
    world.sandbox.reset_counts()
    summary = world.sync()
    writes = {side: {k: v for k, v in counts.items() if v} for side, counts in summary.counts.items()}
    assert not any(writes.values()), f"one more run still writes: {summary.counts}"
    assert [k for k in world.sandbox.requests if not k.startswith("GET")] == []


_reference: dict[tuple, tuple[dict, int]] = {}


def reference(database_url: str, make_world, scale: int = 1) -> tuple[dict, int]:
    """The end state after one clean run of the starting data, and how many requests that run
    made (once per backend and scale)."""
    key = ("sqlite" if database_url.startswith("sqlite") else "postgresql", scale,
           cc_session.PAGE_SIZE, ConstantContactConnector.write_batch_size)
    if key not in _reference:
        with make_world() as world:
            prepare(world, scale)
            world.sandbox.reset_counts()
            world.sync()
            _reference[key] = end_state(world), world.sandbox.request_total
            assert_quiet(world)
    return _reference[key]


# -- where the run dies ----------------------------------------------------------------------------


def nth_call(n: int, real, before: bool = False):
    """``real`` wrapped to die on its n-th call: before doing anything, or after doing it all."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n and before:
            raise Killed(f"killed before call {n} of {real.__name__}")
        result = real(*args, **kwargs)
        if calls["n"] == n:
            raise Killed(f"killed after call {n} of {real.__name__}")
        return result
    return wrapper


def die_in_pull_after_first_page(world, mp):
    """The next page's request fails until the retries are used up (the run stops)."""
    real = cc_session.ConstantContactSession.read_changes

    def read_changes(self, *args, **kwargs):
        for number, page in enumerate(real(self, *args, **kwargs)):
            yield page
            if number == 0:  # the first page is applied (with the pages read before the failure)
                world.sandbox.faults.fail_next(50, status=500, path="/v3/contacts")
    mp.setattr(cc_session.ConstantContactSession, "read_changes", read_changes)


def die_before_second_pull_commit(world, mp):
    mp.setattr(Applier, "commit", nth_call(2, Applier.commit, before=True))


def die_between_pull_and_push(world, mp):
    def push(self):
        raise Killed("killed between pull and push")
    mp.setattr(Pusher, "push", push)


def die_after_first_batch_writes(world, mp):
    mp.setattr(cc_session.ConstantContactSession, "write",
               nth_call(1, cc_session.ConstantContactSession.write))


def die_after_second_batch_writes(world, mp):
    mp.setattr(cc_session.ConstantContactSession, "write",
               nth_call(2, cc_session.ConstantContactSession.write))


def die_between_two_writes(world, mp):
    mp.setattr(cc_session.ConstantContactSession, "_write_one",
               nth_call(3, cc_session.ConstantContactSession._write_one))


def die_after_the_push_commit(world, mp):
    """Every batch is committed; the run dies before it records its end."""
    mp.setattr(sync_engine.SyncEngine, "run", nth_call(1, sync_engine.SyncEngine.run))


def die_during_deletes(world, mp):
    real = cc_session.ConstantContactSession.delete

    def delete(self, remote_ids, versions=None):
        real(self, list(remote_ids)[:1])  # the first one is deleted, then the process dies
        raise Killed("killed during deletes")
    mp.setattr(cc_session.ConstantContactSession, "delete", delete)


def _on_request(mp, before):
    """Call ``before(method, url_path, count)`` ahead of every API request of the run, where
    ``count`` numbers the run's writes (requests other than GET)."""
    real = ApiClient.request
    writes = {"n": 0}

    def request(self, method, path, **kwargs):
        if method.upper() != "GET":
            writes["n"] += 1
        before(method.upper(), urlparse(self.url_for(path)).path, writes["n"])
        return real(self, method, path, **kwargs)
    mp.setattr(ApiClient, "request", request)


def server_errors_in_the_push(world, mp):
    """From the second write on, the service answers 500 until the retries are used up."""
    def before(method, path, writes):
        if method != "GET" and writes == 2:
            world.sandbox.faults.fail_next(50, status=500)
    _on_request(mp, before)


def lost_answer_of_a_create(world, mp):
    """The first create (or import) takes effect but its answer is lost; the client tries again."""
    done = {"armed": False}

    def before(method, path, writes):
        if method == "POST" and "contact" in path and "list" not in path and not done["armed"]:
            done["armed"] = True
            world.sandbox.faults.drop_next(1, path=path, after_processing=True)
    _on_request(mp, before)


BOTH = (RECORD_BY_RECORD, BULK)
POINTS = {  # where the run dies: (how, the dying run's outcome, the modes where that point exists)
    "pull after the first page": (die_in_pull_after_first_page, "failed", BOTH),
    "pull before the second page's commit": (die_before_second_pull_commit, "failed", BOTH),
    "between pull and push": (die_between_pull_and_push, "failed", BOTH),
    "after the first push batch's writes, before its commit":
        (die_after_first_batch_writes, "failed", BOTH),
    "after the second push batch's writes, before its commit":
        (die_after_second_batch_writes, "failed", (RECORD_BY_RECORD,)),
    "between two writes of a batch": (die_between_two_writes, "failed", (RECORD_BY_RECORD,)),
    "during deletes": (die_during_deletes, "failed", BOTH),
    "after the last commit, before the run's end": (die_after_the_push_commit, "failed", BOTH),
    "server errors in the push": (server_errors_in_the_push, "failed", BOTH),
    "lost answer of a create": (lost_answer_of_a_create, "success", BOTH),
}


@pytest.mark.parametrize("mode, point", [(mode, point) for point, (_, _, modes) in POINTS.items()
                                         for mode in modes])
def test_a_run_dying_then_run_again_ends_like_one_clean_run(database_url, make_world, monkeypatch,
                                                            mode, point):
    small_pages_and_batches(mode, monkeypatch)
    want, _ = reference(database_url, make_world)
    inject, outcome, _ = POINTS[point]
    with make_world() as world:
        prepare(world)
        with pytest.MonkeyPatch.context() as mp:
            inject(world, mp)
            world.sync(expect=outcome)
        if outcome == "success":
            assert world.sandbox.faults.pending == 0, "the fault was never reached"
        world.sandbox.faults.clear()
        world.sync()
        problems = differences(end_state(world), want)
        assert not problems, "\n".join(problems)
        assert_quiet(world)


# -- a real kill -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_real_run_then_run_again(database_url, make_world):
    """`crm sync now` in a subprocess is killed with SIGKILL halfway through its requests; the
    next one is not blocked by the dead run's lock and ends where one clean run ends."""
    scale = 4
    want, clean_requests = reference(database_url, make_world, scale)
    with make_world() as world:
        prepare(world, scale)
        world.sandbox.reset_counts()
        world.sandbox.faults.latency = 0.02
        exe = Path(sys.executable).with_name("crm")
        proc = subprocess.Popen([str(exe), "sync", "now", "constant-contact"], env=world.env.environ(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while world.sandbox.request_total < clean_requests // 2:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "the run made too few requests"
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(10) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        world.sandbox.faults.clear()
        writes = sum(n for k, n in world.sandbox.requests.items() if not k.startswith("GET"))
        assert writes > 0, "the kill came before the run wrote anything"
        with world.crm.session() as s:
            held = s.exec(select(SyncCheckpoint)).one()
            assert held.running_run_id is not None, "the killed run was not holding the lock"
            assert f":{proc.pid}@" in held.lock_holder  # host:pid@start
        again = world.env.run(["sync", "now", "constant-contact"], timeout=120)
        assert again.returncode == 0, again.stdout + again.stderr
        problems = differences(end_state(world), want)
        assert not problems, "\n".join(problems)
        assert_quiet(world)
