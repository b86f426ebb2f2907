"""Running one function in several workers of a kind at once (shared.harness.fanout)."""

from __future__ import annotations

import contextlib
import time

import pytest

from shared import spec
from shared.harness import fanout
from shared.harness.worker import RemoteError, WorkerError


def test_parts_run_at_the_same_time_in_separate_processes_and_come_back_in_order() -> None:
    kind = spec.kind_for("thread")
    parts = [{"seconds": 0.4}, {"seconds": 0.4}, {"seconds": 0.4}]
    with contextlib.ExitStack() as stack:
        workers = fanout.start(kind, 3, stack)
        t0 = time.perf_counter()
        replies = fanout.call_all(workers, "shared.harness.introspect.sleep", parts)
        wall = time.perf_counter() - t0
        pids = [w.call("shared.harness.introspect.state")["pid"] for w in workers]
    assert len(set(pids)) == 3
    assert [r.value for r in replies] == [None, None, None]
    assert all(r.elapsed_s >= 0.4 for r in replies)
    assert wall < 2 * 0.4  # together, not one after the other (1.2 s)


def test_a_failing_part_is_raised_and_names_itself() -> None:
    kind = spec.kind_for("asyncio")
    parts = [{"message": "boom"}]
    with pytest.raises(RemoteError, match="boom"):
        fanout.run_parts(kind, "shared.harness.introspect.fail", parts)
    with pytest.raises(WorkerError, match="part [12] of 2: .*died during the call: exit code 3"):
        fanout.run_parts(kind, "shared.harness.introspect.crash", [{"code": 3}, {"code": 3}])
