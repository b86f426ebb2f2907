"""Layouts (P processes x T threads x K tasks): what each model lays out, and one part of it.

Model code runs in workers; the model-free half (``shared.scenarios.layout``) is tested here.
"""

from __future__ import annotations

import contextlib

import pytest

from shared import spec
from shared.bench import timing
from shared.harness import fanout
from shared.harness.fixtures import Workers, kind_params
from shared.harness.server import ServerProcess
from shared.harness.worker import RemoteError
from shared.scenarios import layout
from tests.helpers import run_python
from tests.test_bench import FakeBenchmark


def test_every_layout_holds_the_total_and_follows_its_model() -> None:
    lays = layout.layouts()
    assert {lay.kind for lay in lays} == set(spec.DEFAULT_KINDS)
    for lay in lays:
        assert lay.concurrency == layout.TOTAL_CONCURRENCY
        assert lay.client == lay.kind.facts.own_client
    for kind in spec.DEFAULT_KINDS:
        mine = [lay for lay in lays if lay.kind == kind]
        assert {lay.processes for lay in mine} == set(layout.PROCESSES)
        axes = kind.facts.layout
        if "threads" not in axes:
            assert {lay.threads for lay in mine} == {1}
        if "tasks" not in axes:
            assert {lay.tasks for lay in mine} == {1}
        if {"threads", "tasks"} <= set(axes):
            assert {lay.threads for lay in mine} == set(layout.THREADS)
    assert [lay.id for lay in lays if lay.kind.model == "asyncio"] == [
        "asyncio-1x1x120",
        "asyncio-1x4x30",
        "asyncio-2x1x60",
        "asyncio-2x4x15",
    ]


def test_a_total_that_does_not_lay_out_is_refused() -> None:
    with pytest.raises(ValueError, match="does not lay out as 2 x 4 x 12"):
        layout.layouts(total=100)


def test_parts_split_the_requests_between_the_processes() -> None:
    lay = next(lay for lay in layout.layouts() if lay.processes == 2)
    parts = lay.parts("http://x/delay/0", 7, 5.0)
    assert [p["requests"] for p in parts] == [4, 3]
    assert all(p["threads"] == lay.threads and p["tasks"] == lay.tasks for p in parts)


def test_merge_adds_the_parts_of_a_round_up() -> None:
    a = {"requests": 2, "elapsed_s": 1.0, "latencies_s": [0.1, 0.2], "errors": {"timeout": 1}}
    b = {"requests": 1, "elapsed_s": 1.5, "latencies_s": [0.3], "errors": {"timeout": 2}}
    merged = layout.merge(
        [
            {**a, "cpu_s": 0.5, "peak_rss_kib": 10, "pid": 1},
            {**b, "cpu_s": 1, "peak_rss_kib": 5, "pid": 2},
        ]
    )
    assert merged == {
        "requests": 3,
        "elapsed_s": 1.5,
        "latencies_s": [0.1, 0.2, 0.3],
        "errors": {"timeout": 3},
        "cpu_s": 1.5,
        "peak_rss_kib": 15,
        "processes": 2,
    }


#: one part of a layout per model, its threads and tasks as its model allows
PARTS = {"gevent": (1, 6), "asyncio": (3, 2), "thread": (6, 1)}


@pytest.mark.parametrize("kind", kind_params(spec.DEFAULT_KINDS))
def test_a_part_fetches_every_url_with_its_threads_times_tasks_in_flight(
    workers: Workers, server: ServerProcess, kind: spec.WorkerKind
) -> None:
    threads, tasks = PARTS[kind.model]
    assert server.wait_idle()
    server.reset()
    r = workers.get(kind).call(
        "layout.fetch_part",
        url=f"{server.url}/delay/200",
        requests=18,
        threads=threads,
        tasks=tasks,
        timeout=5.0,
        client=kind.facts.own_client,
    )
    assert (r["requests"], r["errors"], len(r["latencies_s"])) == (18, {}, 18)
    assert r["cpu_s"] > 0
    assert r["peak_rss_kib"] > 1024
    stats = server.stats()
    assert stats["count"] == 18
    assert stats["peak"] == threads * tasks  # three waves of 6, never more


@pytest.mark.parametrize(
    ("model", "threads", "tasks", "reason"),
    [
        pytest.param("gevent", 2, 3, "a thread is a greenlet", id="gevent-threads"),
        pytest.param("thread", 2, 3, "one request at a time", id="thread-tasks"),
        pytest.param("asyncio", 0, 3, "threads must be an integer >= 1", id="zero-threads"),
    ],
)
def test_a_part_a_model_cannot_lay_out_is_refused(
    workers: Workers, model: str, threads: int, tasks: int, reason: str
) -> None:
    with pytest.raises(RemoteError, match=reason) as err:
        workers.get(model).call(
            "layout.fetch_part",
            url="http://127.0.0.1:9/",
            requests=6,
            threads=threads,
            tasks=tasks,
            timeout=1.0,
            client=spec.MODEL_FACTS[model].own_client,
        )
    assert err.value.remote_type == "ValueError"


def test_a_layout_over_two_processes_holds_its_total_at_the_server() -> None:
    lay = layout.Layout(spec.kind_for("asyncio"), processes=2, threads=2, tasks=3)
    with ServerProcess(processes=2) as srv, contextlib.ExitStack() as stack:
        workers = fanout.start(lay.kind, lay.processes, stack)
        timed = timing.time_fanout(
            FakeBenchmark(),
            workers,
            "layout.fetch_part",
            lay.parts(f"{srv.url}/delay/200", 36, 5.0),
            rounds=1,
        )
        stats = srv.stats()
    merged = layout.merge(timed.result)
    assert (merged["requests"], merged["errors"], merged["processes"]) == (36, {}, 2)
    assert (stats["count"], stats["peak"]) == (36, 12)


def test_the_demo_prints_a_line_per_layout_and_delay() -> None:
    done = run_python(["-m", "impls.thread_impl.layout", "--waves", "1", "--delay", "50"])
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    shapes = [line.split()[0] for line in done.stdout.splitlines()]
    assert shapes == [lay.shape for lay in layout.layouts() if lay.kind.model == "thread"]
    assert all("120 requests" in line for line in done.stdout.splitlines())


def test_the_demo_refuses_no_waves_with_exit_2_and_one_line() -> None:
    done = run_python(["-m", "impls.gevent_impl.layout", "--waves", "0"])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("--waves must be >= 1, got 0")
