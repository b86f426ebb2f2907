"""Capacity: how many requests each model keeps in flight at once (``held_connections``).

Steps of 1,000 -> 10,000 -> 20,000 -> 50,000 requests to ``/delay/{long}``, held open at once
by each model's own client, counted at the server (the peak of the sum over its processes),
then released (``shared.bench.capacity``: how a step runs and how many processes and ports
it needs, read from this machine's limits when it runs). A step that a limit refuses before
it starts (threads: one per request, bounded by the machine's pid and thread space) records
no figure and the limit, as does every later step of that model, as does a step after one
that did not reach its count.

Each row records: held (``value``, at the server), whether it reached ``n``, the seconds it
took, errors by kind, the client processes' RSS growth per held connection
(``rss_kib_per_held``) and their total, the server's RSS, how many client and server
processes and server ports the step used and why, and what stops the next step
(``next_limit``).

Run: ``pytest benchmarks/ -k capacity`` runs 1,000 and 10,000 (``--quick``: 1,000 only);
``--capacity-full`` adds 20,000 and 50,000 (a few minutes).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from shared import spec
from shared.bench import capacity
from shared.bench.timing import record
from shared.harness import fanout
from shared.harness.server import ServerProcess
from shared.report import session

CASES = [
    pytest.param(kind, n, id=f"{kind.id}-{n}")
    for kind in spec.DEFAULT_KINDS
    for n in capacity.STEPS
]
#: the warm-up before a step: the client library imported and used once in every process
WARM_REQUESTS = 10


@pytest.mark.parametrize(("kind", "n"), CASES)
def test_capacity(
    benchmark: Any,
    request: pytest.FixtureRequest,
    capacity_full: bool,
    quick: bool,
    kind: spec.WorkerKind,
    n: int,
) -> None:
    in_run = capacity.steps_in_run(capacity_full, quick)
    if n not in in_run:
        pytest.skip(f"{n:,} held connections: not in this run ({capacity.FULL_OPTION}: all)")
    benchmark.group = f"held_connections n={n}"
    row = {
        "model": kind.model,
        "variant": kind.variant,
        "client": kind.facts.own_client,
        "scenario": "capacity",
        "metric": "held_connections",
        "unit": "connections",
        "n": n,
    }
    stopped = session.find(request.config, scenario="capacity", model=kind.model, reached=False)
    limits = capacity.read_limits()
    p = capacity.plan(n, kind.model, limits)
    refusal = p.refusal
    if stopped is not None:
        refusal = f"not tried: stopped at {stopped['n']:,} ({stopped['note']})"
    if refusal is not None:
        benchmark.pedantic(lambda: None, rounds=1, iterations=1)
        record(benchmark, **row, value=None, reached=False, note=refusal)
        return
    box: list[capacity.Step] = []
    with ServerProcess(processes=p.server_processes, ports=p.ports) as srv:
        with contextlib.ExitStack() as stack:
            workers = fanout.start(kind, p.client_processes, stack)
            warm = {
                "model": kind.model,
                "url": f"{srv.url}/delay/0",
                "requests": WARM_REQUESTS,
                "concurrency": WARM_REQUESTS,
                "timeout": 10.0,
                "client": kind.facts.own_client,
            }
            fanout.call_all(workers, "shared.bench.sweep.fetch_round", [warm] * len(workers))
            benchmark.pedantic(
                lambda: box.append(capacity.run_step(p, kind, srv, workers)),
                rounds=1,
                iterations=1,
            )
    step = box[-1]
    per_held = step.rss_kib_per_held
    record(
        benchmark,
        **row,
        value=step.held,
        reached=step.reached,
        reach_s=step.reach_s,
        errors=sum(step.errors.values()),
        errors_by_kind=step.errors,
        answered_early=step.answered,
        rss_kib_per_held=per_held,
        client_rss_mib=step.client_rss_kib / 1024,
        server_rss_mib=step.server_rss_kib / 1024,
        client_processes=p.client_processes,
        server_processes=p.server_processes,
        server_ports=p.ports,
        hold_ms=capacity.hold_ms(n),
        fd_limit=limits.fd_limit,
        port_range=list(limits.port_range),
        plan=p.why,
        next_limit=capacity.next_limit(n, kind.model, capacity.STEPS, in_run)
        if step.reached
        else None,
        note=step.note,
    )
