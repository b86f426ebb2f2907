"""Fetch throughput and latency: every model x client, concurrency x server delay, vs the limit.

Each round is one ``fetch_all`` call inside the pair's own worker
(``shared.bench.sweep.fetch_round``)
against the shared test server, URLs ``/delay/{ms}``. Rounds are sized by time from a probe
round at the same point (``shared.bench.sweep``), so a slow pair costs no more time than a fast one.
One pytest-benchmark group per point (``fetch delay=50ms concurrency=100``); the summary at
the end of the run (``shared.report.terminal``) prints, per point, req/s, efficiency, latency
and the server's CPU share side by side.

At the c=100 points each of a pair's timed ``fetch_all`` rounds follows a round of its
client alone (``impls/<model>_impl/bare.py``, ``variant="bare"``), so a slow spell of the
machine hits both: ``fetch_over_bare`` is the median over those pairs (under 0.9 is our
fetcher's cost, noted on the row), and ``test_fetch_bare`` records the bare rounds as the
pair's bare row. At 0 ms there are five pairs of rounds, elsewhere three.
Every row carries the client's CPU time per request (``client_cpu_us_per_req``).

``test_wrk`` measures the same points with wrk (C, epoll) first: the most this server gives
on this machine, so each pair's rate also reads as a fraction of it (``of_wrk``). wrk and the
server share the machine's cores, as every client does.

Run: ``pytest benchmarks/test_fetch.py`` (about 6 minutes on 2 cores); ``--quick`` keeps
concurrency 10 and 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import pytest

from shared import spec
from shared.bench import machine, sizing, sweep, wrk
from shared.bench.timing import (
    Timed,
    record,
    round_stat,
    round_times,
    roundtrip_s,
    time_calls,
)
from shared.harness.fixtures import Workers
from shared.harness.server import ServerProcess
from shared.harness.worker import ModelWorker, WorkerTimeout
from shared.report import session

#: a wave that takes longer is given up (the default is sizing.PROBE_DEADLINE_S)
QUICK_PROBE_DEADLINE_S = 5.0
#: seconds wrk runs per point
WRK_S = 2
QUICK_WRK_S = 1

POINTS = [(c, d) for d in sweep.DELAYS_MS for c in sweep.CONCURRENCY]


def skip_unless_in_run(quick: bool, concurrency: int) -> None:
    if quick and concurrency not in sweep.QUICK_CONCURRENCY:
        pytest.skip(f"--quick runs concurrency {sweep.QUICK_CONCURRENCY} only")
    need = machine.fds_needed(concurrency)
    if machine.fd_limit() < need:
        pytest.skip(
            f"open-file limit {machine.fd_limit()} < {need} needed for {concurrency} "
            f"connections: raise it (ulimit -n {need})"
        )


@pytest.mark.parametrize(
    ("concurrency", "delay_ms"),
    [pytest.param(c, d, id=f"wrk-{sweep.point_id(c, d)}") for c, d in POINTS],
)
def test_wrk(
    benchmark: Any,
    server: ServerProcess,
    quick: bool,
    concurrency: int,
    delay_ms: int,
) -> None:
    """The limit: what wrk gets from the server at this point."""
    skip_unless_in_run(quick, concurrency)
    if wrk.wrk_path() is None:
        pytest.skip(wrk.WRK_MISSING)
    benchmark.group = sweep.group(concurrency, delay_ms)
    seconds = QUICK_WRK_S if quick else WRK_S
    url = sweep.delay_url(server.url, delay_ms)
    box: list[dict] = []
    with machine.CpuMeter(server.pid) as srv:
        benchmark.pedantic(
            lambda: box.append(wrk.run_wrk(url, concurrency, seconds)), rounds=1, iterations=1
        )
    out = box[-1]
    if out["errors"]:
        pytest.fail(f"wrk c={concurrency} d={delay_ms}: errors {out['errors']}")
    record(
        benchmark,
        model="wrk",
        variant="wrk",
        client="wrk",
        pair="wrk",
        scenario="fetch",
        metric="req_per_s",
        value=out["req_per_s"],
        unit="req/s",
        concurrency=concurrency,
        delay_ms=delay_ms,
        requests=out["requests"],
        efficiency=sweep.efficiency(out["req_per_s"], concurrency, delay_ms),
        p50_ms=out.get("p50_ms"),
        p99_ms=out.get("p99_ms"),
        errors=0,
        server_cpu=srv.share,
        server_saturated=srv.share is not None and srv.share >= sweep.SATURATED_AT,
        command=out["command"],
        note=wrk.WRK_DELAY_NOTE if delay_ms else wrk.WRK_NOTE,
    )


CASES = [
    pytest.param(pair, c, d, id=f"{pair.id}-{sweep.point_id(c, d)}")
    for c, d in POINTS
    for pair in spec.PAIRS
]
#: each pair's bare client at the points that have one, right after the pair's fetch_all
BARE_CASES = [
    pytest.param(pair, c, d, id=f"{pair.id}-bare-{sweep.point_id(c, d)}")
    for c, d in POINTS
    if c in sweep.BARE_CONCURRENCY
    for pair in spec.PAIRS
]


@pytest.mark.parametrize(("pair", "concurrency", "delay_ms"), CASES)
def test_fetch(
    benchmark: Any,
    request: pytest.FixtureRequest,
    workers: Workers,
    server: ServerProcess,
    quick: bool,
    pair: spec.Pair,
    concurrency: int,
    delay_ms: int,
) -> None:
    """req/s of one pair at one point: timed rounds of one ``fetch_all`` each; where the point
    has bare rows, each round follows a round of the bare client (``bare_req_per_s``,
    ``fetch_over_bare``), so that a slow spell of the machine hits both alike."""
    skip_unless_in_run(quick, concurrency)
    benchmark.group = sweep.group(concurrency, delay_ms)
    worker = workers.get(pair.kind)
    args = round_args(pair, server, concurrency, delay_ms)
    deadline = QUICK_PROBE_DEADLINE_S if quick else sizing.PROBE_DEADLINE_S
    notes = []

    def run(requests: int, deadline_s: float | None) -> dict[str, Any]:
        return worker.request(
            "shared.bench.sweep.fetch_round", {**args, "requests": requests}, deadline_s=deadline_s
        ).value

    # warm-up (imports, first client), then probe rounds at this point size the timed ones
    fail_on_errors(pair, concurrency, delay_ms, [run(sizing.WARMUP_REQUESTS, None)])
    server.reset()
    try:
        plan = sizing.size_rounds(
            run,
            concurrency,
            delay_ms,
            budget_s=sizing.budget_s(delay_ms, quick, concurrency),
            max_rounds=max_rounds(quick, concurrency, delay_ms),
            deadline_s=deadline,
        )
    except WorkerTimeout:
        too_slow(benchmark, server, pair, concurrency, delay_ms, deadline)
    fail_on_errors(pair, concurrency, delay_ms, plan.probes)
    requests = plan.requests
    if quick and concurrency not in sizing.QUICK_FULL_CONCURRENCY:
        notes.append(sizing.QUICK_NOTE.format(budget=plan.budget_s))
    if plan.bounded:
        notes.append(
            f"one timed wave only: {sizing.SMALL_PROBE_REQUESTS} requests ran at "
            f"{plan.probe_req_per_s:.0f} req/s"
        )

    roundtrip_s(worker)  # measured now, so the meters below see the timed rounds only
    kwargs = {**args, "requests": requests}
    bare: list[dict[str, Any]] = []
    interleave = concurrency in sweep.BARE_CONCURRENCY and not plan.bounded

    def bare_round() -> None:
        bare.append(worker.call("shared.bench.sweep.fetch_round", **kwargs, variant="bare"))

    if interleave:
        bare_round()  # warm-up: the bare loop's imports and first client, untimed
        bare.clear()
    server.reset()
    # the server's meter covers the interleaved bare rounds too: both load it alike
    with machine.CpuMeter(server.pid) as srv:
        if plan.bounded:
            timed = time_one_bounded(benchmark, worker, kwargs, deadline)
        else:
            timed = time_calls(
                benchmark,
                worker,
                "shared.bench.sweep.fetch_round",
                kwargs,
                rounds=plan.rounds,
                warmup_rounds=0,
                before_each=bare_round if interleave else None,
            )
    seen = server.stats()
    peak = seen["peak"]
    if peak > concurrency:
        pytest.fail(f"{pair.id}: {peak} requests in flight at once, more than {concurrency}")

    below = None
    if timed.result is None:
        rate = p50 = p99 = None
        below = requests / deadline
        notes.append(
            f"one wave of {requests} requests did not finish within {deadline:g} s (worker "
            f"killed): under {below:.0f} req/s; the server saw {seen['count']} "
            f"requests start, at most {peak} at once"
        )
    else:
        fail_on_errors(pair, concurrency, delay_ms, timed.results)
        rate = requests / timed.median_s if timed.median_s else None
        p50, p99 = sweep.latency_ms(timed.results)
    if delay_ms and peak < concurrency:
        notes.append(f"only {peak} of {concurrency} requests were ever in flight at once")
    client_cpu = sweep.cpu_share(timed.results)
    bound = sweep.client_bound_note(client_cpu, delay_ms)
    if bound:
        notes.append(bound)
    fail_on_errors(pair, concurrency, delay_ms, bare)
    versus = sweep.versus_bare(bare, timed.results)
    if (
        versus["fetch_over_bare"] is not None
        and versus["fetch_over_bare"] < spec.FETCH_OVER_BARE_AT_LEAST
    ):
        notes.append(sweep.BELOW_BARE_NOTE.format(**versus))
    if pair.client == "httpx":
        other = next(p for p in spec.PAIRS if p.label == pair.label and p.client != "httpx")
        seen_other = session.find(
            request.config,
            pair=other.id,
            variant=other.variant,
            concurrency=concurrency,
            delay_ms=delay_ms,
        )
        if seen_other is not None and seen_other["value"]:
            note = sweep.httpx_note(
                rate if rate is not None else below or 0.0,
                other.client,
                seen_other["value"],
                upper_bound=rate is None,
            )
            if note:
                notes.append(note)
    wrk = session.find(request.config, model="wrk", concurrency=concurrency, delay_ms=delay_ms)
    record(
        benchmark,
        **row_fields(pair, concurrency, delay_ms),
        value=rate,
        timed=timed,
        requests=requests,
        rounds=len(timed.results),
        **_round_spread(benchmark, requests),
        efficiency=sweep.efficiency(rate, concurrency, delay_ms),
        ideal_req_per_s=sweep.ideal_rate(concurrency, delay_ms),
        of_wrk=rate / wrk["value"] if rate and wrk and wrk["value"] else None,
        p50_ms=p50,
        p99_ms=p99,
        errors=0 if timed.result is not None else None,
        server_cpu=srv.share,
        server_saturated=srv.share is not None and srv.share >= sweep.SATURATED_AT,
        client_cpu=client_cpu,
        client_cpu_us_per_req=sweep.cpu_us_per_req(timed.results),
        **versus,
        quick=quick,
        server_peak_inflight=peak,
        probe_req_per_s=plan.probe_req_per_s,
        steady_req_per_s=plan.steady_req_per_s,
        startup_s=plan.startup_s,
        round_budget_s=plan.budget_s,
        below_req_per_s=below,
        timeout_s=sweep.TIMEOUT_S,
        note="; ".join(notes) or None,
    )


@pytest.mark.parametrize(("pair", "concurrency", "delay_ms"), BARE_CASES)
def test_fetch_bare(
    benchmark: Any,
    request: pytest.FixtureRequest,
    workers: Workers,
    server: ServerProcess,
    quick: bool,
    pair: spec.Pair,
    concurrency: int,
    delay_ms: int,
) -> None:
    """req/s of the pair's client alone (``impls/<model>_impl/bare.py``): the bare rounds that
    ran interleaved with the pair's ``fetch_all`` rounds (``test_fetch``), in-worker times, so
    this row and the pair's ``fetch/bare`` read the same rounds. pytest-benchmark's own timing
    of the row is one wave of the bare loop run on its own right after (``alone_requests``): a
    check that the bare loop alone keeps within the cap, not the row's figure (timing the
    rounds a second time cost a full run about 35 s)."""
    skip_unless_in_run(quick, concurrency)
    benchmark.group = sweep.group(concurrency, delay_ms)
    fields = row_fields(pair, concurrency, delay_ms)
    fetched = session.find(request.config, **fields)
    if fetched is None or not fetched.get("bare_req_per_s"):
        pytest.skip(f"{pair.id}: no fetch_all rounds at this point to run the bare loop beside")
    worker = workers.get(pair.kind)
    alone = sizing.probe_requests(concurrency, delay_ms)  # one wave
    kwargs = {
        **round_args(pair, server, concurrency, delay_ms),
        "requests": alone,
        "variant": "bare",
    }
    roundtrip_s(worker)
    server.reset()
    timed = time_calls(
        benchmark, worker, "shared.bench.sweep.fetch_round", kwargs, rounds=1, warmup_rounds=0
    )
    fail_on_errors(pair, concurrency, delay_ms, timed.results)
    peak = server.stats()["peak"]
    if peak > concurrency:
        pytest.fail(f"{pair.id} bare: {peak} requests in flight at once, more than {concurrency}")
    rate = fetched["bare_req_per_s"]
    rounds = fetched["bare_rounds"]
    record(
        benchmark,
        **{**fields, "variant": "bare"},
        value=rate,
        timed=timed,
        requests=fetched["requests"],
        rounds=rounds,
        **(
            {"value_min": fetched["bare_req_per_s_min"], "value_max": fetched["bare_req_per_s_max"]}
            if rounds > 1
            else {}
        ),
        alone_requests=alone,
        alone_req_per_s=alone / timed.median_s if timed.median_s else None,
        efficiency=sweep.efficiency(rate, concurrency, delay_ms),
        ideal_req_per_s=sweep.ideal_rate(concurrency, delay_ms),
        client_cpu=fetched.get("bare_client_cpu"),
        client_cpu_us_per_req=fetched.get("bare_cpu_us_per_req"),
        server_peak_inflight=peak,
        errors=0,
        loop=pair.kind.loop,
        timeout_s=sweep.TIMEOUT_S,
        quick=quick,
        note=(
            f"{pair.client} alone ({pair.model} model, impls/{pair.model}_impl/bare.py): no "
            "fetch_all, no deadline, no per-URL result; the same client options; the median "
            f"of the {rounds} bare rounds interleaved with fetch_all's"
            + (
                "; " + sizing.QUICK_NOTE.format(budget=fetched.get("round_budget_s"))
                if quick
                else ""
            )
        ),
    )


def max_rounds(quick: bool, concurrency: int, delay_ms: int) -> int:
    """Timed rounds for a pair at a point (fewer for a slow pair: ``sizing.size_rounds``)."""
    if quick:
        return sizing.QUICK_ROUNDS
    if concurrency in sweep.BARE_CONCURRENCY and delay_ms == 0:
        return sizing.BARE_ROUNDS
    return sizing.ROUNDS


def round_args(
    pair: spec.Pair, server: ServerProcess, concurrency: int, delay_ms: int
) -> dict[str, Any]:
    """``sweep.fetch_round``'s arguments for a pair at a point, but for the round's size."""
    return {
        "model": pair.model,
        "url": sweep.delay_url(server.url, delay_ms),
        "concurrency": concurrency,
        "timeout": sweep.TIMEOUT_S,
        "client": pair.client,
    }


def row_fields(pair: spec.Pair, concurrency: int, delay_ms: int) -> dict[str, Any]:
    """What names a pair's row at a point: the fields ``session.find`` matches rows on."""
    return {
        "model": pair.model,
        "variant": pair.variant,
        "client": pair.client,
        "pair": pair.id,
        "scenario": "fetch",
        "metric": "req_per_s",
        "unit": "req/s",
        "concurrency": concurrency,
        "delay_ms": delay_ms,
    }


def time_one_bounded(
    benchmark: Any, worker: ModelWorker, kwargs: dict[str, Any], deadline_s: float
) -> Timed:
    """One timed round, as ``time_calls`` times it, given up after ``deadline_s``.

    A round that does not finish in time kills the worker (``Workers`` starts a fresh one
    for the next test) and leaves ``Timed.result`` None: the row says how long it waited.
    """
    rt = roundtrip_s(worker)
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(
                worker.request(
                    "shared.bench.sweep.fetch_round", kwargs, deadline_s=deadline_s
                ).value
            )
        except WorkerTimeout:
            box.append(None)

    benchmark.pedantic(target, rounds=1, warmup_rounds=0, iterations=1)
    return Timed(
        box[-1],
        round_stat(benchmark, "median"),
        rt,
        tuple(r for r in box if r is not None),
        round_stat(benchmark, "min"),
    )


def fail_on_errors(
    pair: spec.Pair, concurrency: int, delay_ms: int, rounds: Sequence[dict[str, Any]]
) -> None:
    """A round with failed requests fails the benchmark: its rate would mean nothing."""
    kinds = sweep.error_kinds(rounds)
    if kinds:
        total = sum(r["requests"] for r in rounds)
        pytest.fail(
            f"{pair.id} c={concurrency} d={delay_ms}: {sum(kinds.values())} of {total} "
            f"requests failed: {kinds}"
        )


def too_slow(
    benchmark: Any,
    server: ServerProcess,
    pair: spec.Pair,
    concurrency: int,
    delay_ms: int,
    deadline_s: float,
) -> NoReturn:
    """A probe did not finish in time although a smaller probe promised it would: the pair's
    row records why it has no figure (the report keeps it), then the test skips."""
    seen = server.stats()
    reason = (
        f"{pair.id}: a probe round at concurrency {concurrency} did not finish within "
        f"{deadline_s:g} s (worker killed); the server saw {seen['count']} requests start, "
        f"at most {seen['peak']} at once"
    )
    record(
        benchmark,
        **row_fields(pair, concurrency, delay_ms),
        value=None,
        server_peak_inflight=seen["peak"],
        note=reason,
    )
    pytest.skip(reason)


def _round_spread(benchmark: Any, requests: int) -> dict[str, float]:
    """``value_min``/``value_max``: the slowest and fastest timed round's req/s, on the clock
    the median ``value`` comes from, so that the report calls a tie where two pairs' rounds
    overlap rather than rank them on one noisy round; nothing for a single round."""
    times = round_times(benchmark)
    if len(times) < 2:
        return {}
    return {"value_min": requests / max(times), "value_max": requests / min(times)}
