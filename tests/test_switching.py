"""The switching scenario does what its benchmarks claim to measure (behaviour, not speed).

Model code runs in workers; the model-free checks in ``shared.scenarios.switching`` (which
must be able to fail, or the benchmarks would trust a run that went wrong) are tested here
directly.
"""

from __future__ import annotations

import time

import pytest

from shared import spec
from shared.harness.fixtures import Workers, kind_params
from shared.harness.worker import ModelWorker, RemoteError
from shared.scenarios import switching
from tests.helpers import run_python

# --- ping-pong through the model's Event -------------------------------------------------


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
@pytest.mark.parametrize("n", [2, 10, 1_000])
def test_ping_pong_alternates_and_counts_handoffs(
    workers: Workers, kind: spec.WorkerKind, n: int
) -> None:
    # handoffs_result raises inside the worker unless the two tasks took turns 0, 1, 0, 1...
    result = workers.get(kind).call("switching.ping_pong", n=n)
    assert result["handoffs"] == n
    assert result["elapsed_s"] > 0


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
@pytest.mark.parametrize("n", [0, 1, 3, -2, True, 2.0, "4", switching.MAX_HANDOFFS + 2])
def test_ping_pong_rejects_a_count_two_tasks_cannot_share(
    workers: Workers, kind: spec.WorkerKind, n: object
) -> None:
    with pytest.raises(RemoteError) as err:
        workers.get(kind).call("switching.ping_pong", n=n)
    assert err.value.remote_type == "ValueError"


def test_handoffs_result_rejects_turns_that_do_not_alternate() -> None:
    assert switching.handoffs_result(4, [0, 1, 0, 1], 0.1)["handoffs"] == 4
    with pytest.raises(RuntimeError, match="turn 2 ran task 1"):
        switching.handoffs_result(4, [0, 1, 1, 0], 0.1)
    with pytest.raises(RuntimeError, match="turn 0 ran task 1"):
        switching.handoffs_result(2, [1, 0], 0.1)
    with pytest.raises(RuntimeError, match="3 handoffs instead of 4"):
        switching.handoffs_result(4, [0, 1, 0], 0.1)


# --- sleep(0) ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_yield_loop_counts_yields_and_who_ran_next(workers: Workers, kind: spec.WorkerKind) -> None:
    result = workers.get(kind).call("switching.yield_loop", n=200)
    assert result["yields"] == 200
    assert result["call"] == kind.facts.yield_call
    if kind.model == "thread":
        # no promise of who runs after time.sleep(0): any share, honestly reported; at least
        # one change of thread, since both ran their 100
        assert 1 <= result["peer_switches"] <= 199
        assert result["peer_switch_ratio"] == result["peer_switches"] / 199
    else:
        # a cooperative scheduler with two ready tasks runs the other one every time
        assert result["peer_switches"] == 199
        assert result["peer_switch_ratio"] == 1.0


def test_yields_result_counts_changes_of_task() -> None:
    r = switching.yields_result("thread", [0, 0, 1, 1, 1, 0], 0.1)
    assert (r["yields"], r["peer_switches"], r["peer_switch_ratio"]) == (6, 2, 0.4)


# --- raw switches --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "kind"),
    [(f.name, k) for f in spec.MODEL_FACTS.values() for k in f.raw_kinds],
)
@pytest.mark.parametrize("n", [2, 100])
def test_raw_switch_transfers_control_n_times(
    workers: Workers, model: str, kind: str, n: int
) -> None:
    # raw_result raises inside the worker unless a value made n // 2 round trips
    result = workers.get(model).call("switching.raw_switch", n=n, kind=kind)
    assert result == {"kind": kind, "transfers": n, "elapsed_s": result["elapsed_s"]}


@pytest.mark.parametrize(
    ("model", "kind"),
    [("gevent", "coroutine-send"), ("asyncio", "greenlet"), ("asyncio", "nope")],
)
def test_raw_switch_refuses_another_models_floor(workers: Workers, model: str, kind: str) -> None:
    with pytest.raises(RemoteError, match="unknown raw switch") as err:
        workers.get(model).call("switching.raw_switch", n=10, kind=kind)
    assert err.value.remote_type == "ValueError"


@pytest.mark.parametrize("kind", ["greenlet", "generator-next"])
def test_threads_have_no_raw_switch_and_say_so(workers: Workers, kind: str) -> None:
    with pytest.raises(RemoteError, match="OS scheduler switches them") as err:
        workers.get("thread").call("switching.raw_switch", n=10, kind=kind)
    assert err.value.remote_type == "ValueError"


def test_raw_result_rejects_a_short_count() -> None:
    assert switching.raw_result("greenlet", 10, 5, 0.1)["transfers"] == 10
    with pytest.raises(RuntimeError, match="4 round trips instead of 5"):
        switching.raw_result("greenlet", 10, 4, 0.1)


# --- spawn + join --------------------------------------------------------------------------

SPAWN_KINDS = [
    pytest.param(kind, variant, id=f"{kind.id}-{variant}")
    for kind in spec.RUNNERS
    for variant in kind.facts.spawn_variants
]


@pytest.mark.parametrize(("kind", "variant"), SPAWN_KINDS)
def test_spawn_join_runs_every_task(workers: Workers, kind: spec.WorkerKind, variant: str) -> None:
    worker = workers.get(kind)
    result = worker.call("switching.spawn_join", n=50, repeat=3, variant=variant)
    assert (result["tasks"], result["n"], result["repeat"]) == (150, 50, 3)
    assert result["variant"] == variant
    assert worker.call("switching.spawn_join", n=7)["variant"] == kind.facts.spawn_variants[0]


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
@pytest.mark.parametrize(
    "kwargs",
    [{"n": 0}, {"n": 5, "repeat": 0}, {"n": 5, "variant": "fork"}, {"n": switching.MAX_TASKS + 1}],
)
def test_spawn_join_rejects_bad_arguments(
    workers: Workers, kind: spec.WorkerKind, kwargs: dict
) -> None:
    with pytest.raises(RemoteError) as err:
        workers.get(kind).call("switching.spawn_join", **kwargs)
    assert err.value.remote_type == "ValueError"


def test_spawn_result_rejects_tasks_that_did_not_run() -> None:
    with pytest.raises(RuntimeError, match="99 tasks ran instead of 100"):
        switching.spawn_result("spawn", 50, 2, 99, 0.1)


# --- RSS per parked task -------------------------------------------------------------------


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_parked_rss_grows_and_every_task_is_released(kind: spec.WorkerKind) -> None:
    # a fresh worker: in a used one, the tasks may fit in memory freed by earlier tests
    with ModelWorker(kind.model, **kind.options) as w:
        result = w.call("switching.parked_rss", n=1_000)
        assert result["n"] == 1_000
        assert result["note"] is None
        assert result["kib_per_task"] > 0
        assert result["rss_after_kib"] > result["rss_before_kib"]
        if kind.model == "thread":
            # rss_result checked that all 1,100 ended; none is left running
            assert w.call("shared.harness.introspect.threads_alive") == 1
            assert result["stack_virtual_kib"] >= 64


def test_thread_cap_reports_instead_of_starting_threads(workers: Workers) -> None:
    worker = workers.get("thread")
    t0 = time.monotonic()
    result = worker.call("switching.parked_rss", n=switching.MAX_THREADS + 1)
    assert time.monotonic() - t0 < 5.0
    assert result["kib_per_task"] is None
    assert "cap" in result["note"]
    assert worker.call("shared.harness.introspect.threads_alive") == 1


def test_a_refused_thread_start_is_reported_and_cleaned_up() -> None:
    # the limits pass (they do not read RLIMIT_AS), then the OS refuses a thread's stack
    with ModelWorker("thread") as w:
        w.call("shared.harness.introspect.limit_address_space", extra_mib=64)
        result = w.call("switching.parked_rss", n=1_000)
        assert result["kib_per_task"] is None
        assert "thread start failed after" in result["note"]
        assert "can't start new thread" in result["note"]
        assert w.call("shared.harness.introspect.threads_alive") == 1
        assert w.call("switching.ping_pong", n=4)["handoffs"] == 4


@pytest.mark.parametrize("n", [switching.MAX_THREADS + 1, 100_000])
def test_thread_room_refuses_past_the_cap(n: int) -> None:
    reason = switching.thread_room(n)
    assert reason is not None
    assert f"cap of {switching.MAX_THREADS}" in reason


def test_thread_room_accepts_a_few_threads() -> None:
    assert switching.thread_room(10) is None


def test_memory_room_refuses_more_than_the_machine_has() -> None:
    assert switching.memory_room(10) is None
    assert "more than half" in (switching.memory_room(switching.MAX_TASKS * 1_000) or "")


def test_rss_result_requires_every_parked_task_to_end() -> None:
    before, after = 10 << 20, 11 << 20
    r = switching.rss_result(1_024, before, after, 1_024 + switching.WARM_TASKS)
    assert r["kib_per_task"] == 1.0
    with pytest.raises(RuntimeError, match="ended instead of"):
        switching.rss_result(1_024, before, after, 1_000)


# --- the demos -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "args"),
    [("gevent", []), ("asyncio", []), ("asyncio", ["--loop", "uvloop"]), ("thread", [])],
)
def test_the_demo_prints_every_figure(model: str, args: list[str]) -> None:
    out = run_python(["-m", f"impls.{model}_impl.switching", "--quick", *args], timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    rows = [line.split()[:3] for line in lines[:-1]]  # metric, figure, unit
    raw = len(spec.MODEL_FACTS[model].raw_kinds)
    spawn = len(spec.MODEL_FACTS[model].spawn_variants)
    assert [row[0] for row in rows] == ["switch_ns", "yield_ns"] + ["raw_switch_ns"] * raw + [
        "spawn_join_us"
    ] * spawn + ["rss_kib"]
    units = {"switch_ns": "ns", "yield_ns": "ns", "raw_switch_ns": "ns", "spawn_join_us": "us"}
    for metric, figure, unit in rows:
        assert unit == units.get(metric, "KiB")
        if metric != "rss_kib":  # RSS can read 0 or less: pages freed by the runs before it
            assert float(figure) > 0, (metric, figure)
    assert lines[-1].startswith(f"({model}, pid ")
    assert out.stderr == ""
