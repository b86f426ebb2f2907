"""Layouts: one fixed concurrency laid out as P processes x T threads x K tasks, per model.

The tutorial's practice, processes x threads x coroutines, measured: every layout of
``shared.scenarios.layout.TOTAL_CONCURRENCY`` requests in flight that each model allows
(``layout.layouts()``, read from the registry), at a delay of 0 ms (the client is CPU-bound:
where more processes should help) and 50 ms (I/O-bound). asyncio lays it out as P x T x K
(T threads, each an event loop of its own with K tasks), threads as P x T (one request per
thread), gevent as P x K: in a patched process a thread is a greenlet on the same hub, so
gevent has no T.

A round is one ``layout.fetch_part`` in each of the layout's P workers at once
(``shared.harness.fanout``), timed through ``shared.bench.timing.time_fanout``; ``value`` is
the round's requests over its median wall time. Beside it: p50/p99 over every request,
``client_cpu`` (CPU seconds of all the client processes, every thread, per wall second of the
round), ``client_rss_mib`` (the sum of their peak RSS), and the server's CPU share over all
its processes. The server runs as many processes as the machine has CPUs
(``ServerProcess(processes=...)``, SO_REUSEPORT), so that it is not what limits a layout;
at 0 ms every process shares the machine's cores, the server's among them, and
``server_cpu`` says how much it took. The cap is checked at the server: never more than the
total concurrency in flight, counted across its processes.

The two delays of one layout run in the same workers (started once, untimed).

Run: ``pytest benchmarks/ -k layout`` (about a minute on 2 cores; ``--quick``: one shorter
round per point).
"""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterator
from typing import Any

import pytest

from shared.bench import machine, sweep, timing
from shared.harness import fanout
from shared.harness.server import ServerProcess
from shared.harness.worker import ModelWorker
from shared.scenarios import layout

CASES = [
    pytest.param(lay, delay, id=f"{lay.id}-d{delay}")
    for lay in layout.layouts()
    for delay in sweep.DELAYS_MS
]
#: seconds a round may take beyond its waves before its workers are killed
DEADLINE_SLACK_S = 60.0


@pytest.fixture(scope="module")
def layout_server() -> Iterator[ServerProcess]:
    """A server of as many processes as the machine has CPUs, for every layout."""
    with ServerProcess(processes=os.cpu_count() or 1) as srv:
        yield srv


class LayoutWorkers:
    """The workers of the layout being measured; the next layout's replace them."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._layout: layout.Layout | None = None
        self._workers: list[ModelWorker] = []

    def get(self, lay: layout.Layout) -> list[ModelWorker]:
        if lay != self._layout or not all(w.alive() for w in self._workers):
            self.close()
            self._workers = fanout.start(lay.kind, lay.processes, self._stack)
            self._layout = lay
        return self._workers

    def close(self) -> None:
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self._layout = None


@pytest.fixture(scope="module")
def layout_workers() -> Iterator[LayoutWorkers]:
    pool = LayoutWorkers()
    try:
        yield pool
    finally:
        pool.close()


@pytest.mark.parametrize(("lay", "delay_ms"), CASES)
def test_layout(
    benchmark: Any,
    layout_server: ServerProcess,
    layout_workers: LayoutWorkers,
    quick: bool,
    lay: layout.Layout,
    delay_ms: int,
) -> None:
    """req/s of one layout at one delay: rounds of one part per process, all at once."""
    benchmark.group = f"layouts delay={delay_ms}ms concurrency={lay.concurrency}"
    server = layout_server
    workers = layout_workers.get(lay)
    url = sweep.delay_url(server.url, delay_ms)
    waves = layout.waves(delay_ms, quick)
    requests = waves * lay.concurrency
    deadline = DEADLINE_SLACK_S + waves * (delay_ms / 1000 + 1.0)
    # warm-up, untimed: imports and a first client in every process
    warm = fanout.call_all(
        workers, "layout.fetch_part", lay.parts(url, lay.concurrency, sweep.TIMEOUT_S)
    )
    assert not layout.merge([r.value for r in warm])["errors"]
    assert server.wait_idle()
    server.reset()
    with machine.CpuMeter(*server.pids) as srv:
        timed = timing.time_fanout(
            benchmark,
            workers,
            "layout.fetch_part",
            lay.parts(url, requests, sweep.TIMEOUT_S),
            rounds=layout.ROUNDS[quick],
            deadline_s=deadline,
        )
    peak = server.stats()["peak"]
    assert peak <= lay.concurrency, f"{lay.id}: {peak} in flight at once"
    rounds = [layout.merge(parts) for parts in timed.results]
    errors = sweep.error_kinds(rounds)
    if errors:
        pytest.fail(f"{lay.id} d={delay_ms}: failed requests {errors}")
    assert all(r["requests"] == requests and r["processes"] == lay.processes for r in rounds)
    rate = requests / timed.median_s if timed.median_s else None
    p50, p99 = sweep.latency_ms(rounds)
    notes = []
    if delay_ms and peak < lay.concurrency:
        notes.append(f"only {peak} of {lay.concurrency} requests were ever in flight at once")
    timing.record(
        benchmark,
        model=lay.kind.model,
        variant=lay.kind.variant,
        client=lay.client,
        scenario="layouts",
        metric="req_per_s",
        value=rate,
        unit="req/s",
        timed=timed,
        layout=lay.shape,
        processes=lay.processes,
        threads=lay.threads,
        tasks=lay.tasks,
        concurrency=lay.concurrency,
        delay_ms=delay_ms,
        requests=requests,
        rounds=len(rounds),
        efficiency=sweep.efficiency(rate, lay.concurrency, delay_ms),
        p50_ms=p50,
        p99_ms=p99,
        errors=0,
        client_cpu=statistics.median(r["cpu_s"] / r["elapsed_s"] for r in rounds),
        client_rss_mib=max(r["peak_rss_kib"] for r in rounds) / 1024,
        server_cpu=srv.share,
        server_processes=len(server.pids),
        server_saturated=srv.share is not None
        and srv.share >= sweep.SATURATED_AT * len(server.pids),
        server_peak_inflight=peak,
        cpus=os.cpu_count(),
        note="; ".join(notes) or None,
    )
