"""What a run tells while it works: records per step (with the push's total known up front)
and the seconds per phase in its summary. Over the fake connector (pages of 5, writes in
batches of 100)."""
from __future__ import annotations

import time
from collections import defaultdict

from crmcore.sync.phases import PHASES


def test_each_step_reports_growing_counts_and_ends_complete(fake_world):
    w = fake_world()
    for i in range(12):
        w.harness.create(w.harness.new_values(i))
    for i in range(250):
        w.add(w.crm_values(100 + i))
    seen: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    w.sync(report=lambda step, done, total: seen[step].append((done, total)))
    label = w.env.crm().plugins.connectors["fake"].connector.label
    pull, push = seen[f"Pulling from {label}"], seen[f"Pushing to {label}"]
    assert pull[0] == (0, None) and pull[-1] == (12, 12)
    assert [d for d, _ in pull[:-1]] == [0, 5, 10, 12]  # a page at a time, its total unknown
    # every CRM record with a change to look at: the 250 added; not the 12 the pull created
    # (their only change is the pull's own write, already in their links)
    assert push[0] == (0, 250) and push[-1] == (250, 250)
    counts = [d for d, _ in push]
    assert counts == sorted(counts) and len(set(counts)) >= 4  # batches of 100 move it on
    back = seen[f"Reading back from {label}"]
    assert back[-1][0] == back[-1][1] and back[-1][0] >= 250


def test_the_summary_has_seconds_per_phase_adding_up_to_at_most_the_run(fake_world):
    w = fake_world()
    w.harness.create(w.harness.new_values(1))
    w.add(w.crm_values(2))
    started = time.perf_counter()
    summary = w.sync()
    elapsed = time.perf_counter() - started
    phases = summary.phases
    assert {"rebaseline", "pull", "push", "read_back", "apply", "commit"} <= set(phases)
    assert set(phases) <= set(PHASES)
    assert all(seconds >= 0 for seconds in phases.values())
    assert phases["apply"] > 0 and phases["commit"] > 0
    assert sum(phases.values()) <= elapsed
    assert summary.as_dict()["phases"] == phases
    nothing = w.sync()  # nothing to send: no read-back
    assert "read_back" not in nothing.phases and "push" in nothing.phases
