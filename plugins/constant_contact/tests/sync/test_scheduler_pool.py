"""The embedded scheduler: one hung remote never holds up the others, a failed connection makes
``--once`` fail naming it, and only an admin runs it for everyone."""
from __future__ import annotations

import pytest
from sqlmodel import select

from crmcore import scheduler
from crmcore.sync.models import SyncRun


def _runs(fleet) -> dict[int, list[SyncRun]]:
    with fleet.crm.session() as s:
        rows = list(s.exec(select(SyncRun).order_by(SyncRun.id)))
    return {cid: [r for r in rows if r.connection_id == cid] for cid in fleet.connection_ids}


def test_a_hung_remote_does_not_hold_up_the_other_connections(make_fleet):
    with make_fleet(3) as fleet:
        fleet.sandboxes[0].faults.hang_next(1, seconds=6, path="/v3/contacts")
        outcomes = scheduler.run_due(fleet.crm, pool=3)
        assert sorted((o.item.connection_id, o.outcome) for o in outcomes) == [
            (cid, "success") for cid in sorted(fleet.connection_ids)]
        runs = _runs(fleet)
        hung = runs[fleet.connection_ids[0]][0]
        assert (hung.finished_at - hung.started_at).total_seconds() >= 6
        for cid in fleet.connection_ids[1:]:
            (run,) = runs[cid]
            # finished while the hung one still waited on its remote
            assert (hung.finished_at - run.finished_at).total_seconds() > 4, (run, hung)


@pytest.mark.slow
def test_once_fails_naming_the_failed_connection_and_runs_the_rest(make_fleet):
    with make_fleet(2) as fleet:
        fleet.sandboxes[1].faults.fail_next(1000, status=500)
        out = fleet.env.run(["scheduler", "run", "--once"])
        assert out.returncode == 1, out.stdout + out.stderr
        bad, good = fleet.connection_ids[1], fleet.connection_ids[0]
        assert f"connection {good} (constant-contact of u0): success" in out.stdout
        assert f"connection {bad} (constant-contact of u1): failed" in out.stdout
        assert f"1 of 2 connections failed: {bad} (constant-contact of u1)" in out.stderr
        assert "crm sync log constant-contact --user u1" in out.stderr
        assert "Traceback" not in out.stderr
        fleet.sandboxes[1].faults.clear()
        again = fleet.env.run(["scheduler", "run", "--once"])
        assert again.returncode == 0 and "Nothing is due." in again.stdout  # backed off


@pytest.mark.slow
def test_only_an_admin_runs_the_scheduler_for_everyone(make_fleet):
    with make_fleet(2) as fleet:
        refused = fleet.env.run(["scheduler", "run", "--once"], CRM_USER="u0")
        assert refused.returncode == 3
        assert "Only an admin can run the background sync for every user" in refused.stderr
        assert "crm scheduler run --mine" in refused.stderr
        assert all(not r for r in _runs(fleet).values())
        mine = fleet.env.run(["scheduler", "run", "--once", "--mine"], CRM_USER="u0")
        assert mine.returncode == 0, mine.stderr
        runs = _runs(fleet)
        assert len(runs[fleet.connection_ids[0]]) == 1 and runs[fleet.connection_ids[1]] == []
        everyone = fleet.env.run(["scheduler", "run", "--once"])  # the admin
        assert everyone.returncode == 0, everyone.stderr
        assert len(_runs(fleet)[fleet.connection_ids[1]]) == 1


def test_run_forever_starts_others_while_one_hangs(make_fleet):
    import threading

    with make_fleet(2) as fleet:
        fleet.sandboxes[0].faults.hang_next(1, seconds=30, path="/v3/contacts")
        lines: list[str] = []
        stop = threading.Event()
        thread = threading.Thread(target=scheduler.run_forever, args=(fleet.crm,),
                                  kwargs={"poll_seconds": 0.2, "echo": lines.append,
                                          "stop": stop.is_set, "pool": 2}, daemon=True)
        thread.start()
        try:
            other = fleet.connection_ids[1]
            for _ in range(100):
                if any(line.startswith(f"connection {other} ") for line in lines):
                    break
                threading.Event().wait(0.1)
            assert f"connection {other} (constant-contact of u1): success" in lines, lines
            assert not any(line.startswith(f"connection {fleet.connection_ids[0]} ")
                           for line in lines)
        finally:
            stop.set()


def test_once_with_json_reports_each_connection_and_still_fails(make_fleet):
    import json

    with make_fleet(2) as fleet:
        fleet.sandboxes[1].faults.fail_next(1000, status=500)
        out = fleet.env.run(["scheduler", "run", "--once", "--json"])
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        bad, good = fleet.connection_ids[1], fleet.connection_ids[0]
        report = {r["connection"]: r for r in json.loads(out.stdout)}
        assert (report[good]["outcome"], report[good]["user"], report[good]["error"]) == (
            "success", "u0", None)
        assert report[bad]["outcome"] == "failed" and report[bad]["error"]
        assert {r["run"] for r in report.values()} == {r.id for rs in _runs(fleet).values()
                                                      for r in rs}
        assert f"1 of 2 connections failed: {bad}" in out.stderr
        refused = fleet.env.run(["scheduler", "run", "--json"])
        assert refused.returncode == 2 and "--json goes with --once" in refused.stderr
