"""The fetch sweep's arithmetic and wrk's parsing (no model code here)."""

from __future__ import annotations

import time

import pytest

from shared import spec
from shared.bench import machine, sizing, sweep, wrk
from shared.bench.stats import percentile
from shared.harness.fixtures import Workers, pair_params
from shared.harness.server import ServerProcess

WRK_OUTPUT = """\
Running 2s test @ http://127.0.0.1:39251/delay/50
  2 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    56.01ms    2.87ms  67.29ms   60.56%
    Req/Sec     0.89k   169.19     1.01k    82.50%
  Latency Distribution
     50%   55.89ms
     75%   58.42ms
     90%   59.99ms
     99%    1.22s
  3537 requests in 2.00s, 528.48KB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 5
Requests/sec:   1764.14
Transfer/sec:    263.59KB
"""


def test_ideal_rate_and_efficiency() -> None:
    assert sweep.ideal_rate(100, 50) == pytest.approx(2000)
    assert sweep.ideal_rate(100, 0) is None
    assert sweep.efficiency(1800, 100, 50) == pytest.approx(0.9)
    assert sweep.efficiency(1800, 100, 0) is None
    assert sweep.efficiency(None, 100, 50) is None


def test_probe_is_one_wave_with_a_floor_without_delay() -> None:
    assert sizing.probe_requests(100, 50) == 100
    assert sizing.probe_requests(1, 50) == 1
    assert sizing.probe_requests(1, 0) == sizing.PROBE_MIN_REQUESTS
    assert sizing.probe_requests(1000, 0) == 1000


@pytest.mark.parametrize(
    ("concurrency", "delay_ms", "probe_rate", "budget_s", "want"),
    [
        (100, 50, 1500, 1.0, 1500),  # the probe's rate: 15 waves
        (100, 50, 9000, 1.0, 2000),  # never above the ideal rate (2000 req/s)
        (1000, 50, 80, 1.0, 1000),  # a slow pair still gets one whole wave
        (10, 0, 1234, 0.5, 620),  # whole waves without a delay too
        (1, 50, 19, 0.8, 15),
    ],
)
def test_size_requests(
    concurrency: int, delay_ms: int, probe_rate: float, budget_s: float, want: int
) -> None:
    n = sizing.size_requests(concurrency, delay_ms, probe_rate, budget_s)
    assert n == want
    assert n % concurrency == 0


def test_size_requests_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        sizing.size_requests(10, 0, 0.0, 1.0)


def test_rounds_for_gives_a_slow_pair_fewer_rounds_not_a_longer_run() -> None:
    assert sizing.rounds_for(100, 50, 1500, 1200, 0.8, 3) == 3
    assert sizing.rounds_for(1000, 50, 100, 1000, 0.8, 3) == 1  # one wave takes 10 s
    assert sizing.rounds_for(1000, 0, 1000, 1000, 0.8, 3) == 3  # 1 s each: 3 s, a quarter over
    assert sizing.rounds_for(1000, 0, 500, 1000, 0.8, 3) == 1  # 2 s each: one fits


def test_steady_rate_leaves_out_the_start_up() -> None:
    # one wave of 100: 0.1 s; three: 0.2 s -> 50 ms of start-up, 2000 req/s after it
    assert sizing.steady_rate(100, 0.1, 0.2) == pytest.approx(2000)
    # no start-up: the average
    assert sizing.steady_rate(100, 0.1, 0.3) == pytest.approx(1000)
    # noise cannot run away: at most twice the three-wave average, at least the average
    assert sizing.steady_rate(100, 0.1, 0.1001) == pytest.approx(2 * 300 / 0.1001)
    assert sizing.steady_rate(100, 0.2, 0.15) == pytest.approx(2000)


class FakeRun:
    """``run(requests, deadline_s)`` for :func:`sweep.probe`: a pair with a start-up and a
    steady rate, recording what it was asked."""

    def __init__(self, startup_s: float, rate: float) -> None:
        self.startup_s, self.rate = startup_s, rate
        self.calls: list[tuple[int, float | None]] = []

    def __call__(self, requests: int, deadline_s: float | None) -> dict:
        self.calls.append((requests, deadline_s))
        return {"requests": requests, "elapsed_s": self.startup_s + requests / self.rate}


def test_probe_sizes_a_pair_that_keeps_up_at_the_ideal_rate() -> None:
    run = FakeRun(0.05, 1900)  # keeps up with 100 / 50 ms, pays 50 ms per run
    plan = sizing.size_rounds(run, 100, 50, budget_s=1.5, max_rounds=3, deadline_s=10)
    assert run.calls == [(100, None), (300, 10)]
    assert plan.steady_req_per_s == pytest.approx(1900)
    # one wave took 50 ms of start-up + 100 / 1900 s; at the ideal it would take 50 ms
    assert plan.startup_s == pytest.approx(0.05 + 100 / 1900 - 0.05)
    # 1.5 s at the ideal 2000 req/s; a one-wave probe (1000 req/s) would have given 1500
    assert (plan.requests, plan.rounds, plan.bounded) == (3000, 3, False)


def test_probe_gives_a_pair_whose_pool_slows_down_rounds_of_three_waves() -> None:
    class SlowsOnceFull(FakeRun):
        """The first wave at 450 req/s, every later request at 105 req/s (httpx's pool)."""

        def __call__(self, requests: int, deadline_s: float | None) -> dict:
            self.calls.append((requests, deadline_s))
            first = min(requests, 100)
            return {"requests": requests, "elapsed_s": first / 450 + (requests - first) / 105}

    run = SlowsOnceFull(0.0, 0.0)
    plan = sizing.size_rounds(run, 100, 50, budget_s=3.0, max_rounds=3, deadline_s=10)
    assert plan.steady_req_per_s is not None
    assert plan.steady_req_per_s < 150
    # not one wave, which would time the pool filling up (450 req/s) and nothing after it
    assert plan.requests == 300


def test_probe_trusts_either_probe_that_says_a_pair_keeps_up() -> None:
    class Disturbed(FakeRun):
        def __call__(self, requests: int, deadline_s: float | None) -> dict:
            out = super().__call__(requests, deadline_s)
            if requests == 300:  # the machine stalled the three-wave probe for 0.3 s
                out["elapsed_s"] += 0.3
            return out

    run = Disturbed(0.05, 1900)
    plan = sizing.size_rounds(run, 100, 50, budget_s=1.5, max_rounds=3, deadline_s=10)
    assert plan.steady_req_per_s is not None
    assert plan.steady_req_per_s < 1000  # fooled, but the one-wave probe (1030 req/s) was not
    assert plan.requests == 3000


def test_probe_sizes_a_pair_below_the_ideal_at_its_steady_rate() -> None:
    run = FakeRun(0.05, 600)  # start-up 50 ms: rounds of the whole budget
    plan = sizing.size_rounds(run, 100, 50, budget_s=1.5, max_rounds=3, deadline_s=10)
    assert plan.steady_req_per_s == pytest.approx(600)
    assert (plan.requests, plan.rounds) == (900, 3)


def test_probe_sizes_a_slow_pair_from_one_wave_and_times_it_as_long_as_a_fast_one() -> None:
    run = FakeRun(0.01, 150)  # one wave of 100 takes 0.68 s: more than a third of 1.5 s
    plan = sizing.size_rounds(run, 100, 50, budget_s=1.5, max_rounds=3, deadline_s=10)
    assert run.calls == [(100, None)]
    assert plan.steady_req_per_s is None
    # two waves at least: the second reuses the first one's connections; a round of them
    # takes 1.35 s at the one-wave rate, so three fit in the 3 x 1.5 s a fast pair gets
    assert (plan.requests, plan.rounds) == (200, 3)
    # more than two waves when the budget holds more at the one-wave rate; rounds of 1.03 s:
    # two fit in 3 x 0.9 s
    more = sizing.size_rounds(FakeRun(0.01, 300), 100, 50, budget_s=0.9, max_rounds=3, deadline_s=9)
    assert (more.requests, more.rounds) == (300, 2)


def test_slow_rounds_fill_a_fast_pairs_time_and_never_drop_to_none() -> None:
    assert sizing.slow_rounds(0.36, 0.6, 3) == 3  # aiohttp at concurrency 1000, 0 ms
    assert sizing.slow_rounds(0.7, 0.6, 3) == 2
    assert sizing.slow_rounds(5.6, 0.6, 3) == 1  # httpx there: one round, never none
    assert sizing.slow_rounds(0.1, 0.6, 5) == 5  # never more than a fast pair gets


def test_probe_bounds_a_pair_too_slow_for_a_whole_wave() -> None:
    run = FakeRun(0.01, 50)  # 1000 requests would take 20 s
    plan = sizing.size_rounds(run, 1000, 50, budget_s=1.5, max_rounds=3, deadline_s=10)
    assert run.calls == [(sizing.SMALL_PROBE_REQUESTS, None)]
    assert (plan.requests, plan.rounds, plan.bounded) == (1000, 1, True)


def test_probe_checks_a_big_wave_under_the_deadline() -> None:
    run = FakeRun(0.1, 2000)  # 1000 requests: 0.6 s, fine; the wave runs with a deadline
    plan = sizing.size_rounds(run, 1000, 0, budget_s=0.6, max_rounds=3, deadline_s=10)
    assert run.calls == [(100, None), (1000, 10)]
    assert not plan.bounded
    assert (plan.requests, plan.rounds) == (2000, 1)  # two waves fit in 3 x 0.6 s, once
    quicker = sizing.size_rounds(
        FakeRun(0.15, 10000), 1000, 0, budget_s=0.6, max_rounds=3, deadline_s=10
    )
    # one wave: 0.25 s, a slow pair; rounds of two waves, 0.5 s at that rate: three fit
    assert (quicker.requests, quicker.rounds) == (2000, 3)
    slower = sizing.size_rounds(
        FakeRun(0.1, 800), 1000, 0, budget_s=0.6, max_rounds=3, deadline_s=10
    )
    assert (slower.requests, slower.rounds) == (1000, 1)  # two would not


def test_rounds_summaries_combine() -> None:
    rounds = [
        {"requests": 2, "latencies_s": [0.010, 0.030], "errors": {}},
        {"requests": 2, "latencies_s": [0.020, 0.040], "errors": {"timeout": 1}},
        {"requests": 1, "latencies_s": [0.050], "errors": {"timeout": 2, "http": 1}},
    ]
    assert sweep.error_kinds(rounds) == {"timeout": 3, "http": 1}
    p50, p99 = sweep.latency_ms(rounds)
    assert p50 == pytest.approx(30.0)
    assert 40.0 < p99 <= 50.0


def test_httpx_note_only_when_far_behind() -> None:
    assert sweep.httpx_note(900, "aiohttp", 1000) is None
    note = sweep.httpx_note(100, "aiohttp", 1000)
    assert note is not None
    assert "10% of aiohttp" in note
    assert "encode/httpx#3215" in note
    bound = sweep.httpx_note(100, "aiohttp", 2000, upper_bound=True)
    assert bound is not None
    assert "at under 5% of aiohttp in the same model (under 100 vs 2000 req/s)" in bound


def test_cpu_meter_reads_a_process_share() -> None:
    import os

    with machine.CpuMeter(os.getpid()) as busy:
        end = time.perf_counter() + 0.2
        while time.perf_counter() < end:
            pass
    with machine.CpuMeter(os.getpid()) as idle:
        time.sleep(0.2)
    assert busy.share is not None
    assert idle.share is not None
    assert busy.share > idle.share
    assert idle.share < 0.5


def test_parse_wrk() -> None:
    out = wrk.parse_wrk(WRK_OUTPUT)
    assert out["req_per_s"] == pytest.approx(1764.14)
    assert out["requests"] == 3537
    assert out["duration_s"] == pytest.approx(2.0)
    assert out["p50_ms"] == pytest.approx(55.89)
    assert out["p99_ms"] == pytest.approx(1220.0)
    assert out["errors"] == {"read": 3, "timeout": 12, "http": 5}
    with pytest.raises(ValueError, match="cannot read"):
        wrk.parse_wrk("wrk: something went wrong")


def test_wrk_command_needs_connections_at_least_threads() -> None:
    one = wrk.wrk_command("http://127.0.0.1:1/delay/0", 1, 2)
    assert "-t1" in one
    assert "-c1" in one
    hundred = wrk.wrk_command("http://127.0.0.1:1/delay/0", 100, 2)
    assert "-t2" in hundred
    assert "-d2s" in hundred
    assert "--latency" in hundred


@pytest.mark.skipif(wrk.wrk_path() is None, reason=wrk.WRK_MISSING)
def test_run_wrk_against_the_test_server(server: ServerProcess) -> None:
    out = wrk.run_wrk(sweep.delay_url(server.url, 0), 2, 1)
    assert out["errors"] == {}
    assert out["req_per_s"] > 0
    assert server.stats()["count"] == pytest.approx(out["requests"], abs=4)


def test_fd_limit_covers_what_the_sweep_needs() -> None:
    # the largest point needs its connections plus room; short of it, those points would skip
    biggest = max(sweep.CONCURRENCY)
    need = machine.fds_needed(biggest)
    assert need > biggest
    assert machine.fd_limit() >= need, (
        f"open-file limit {machine.fd_limit()} < {need}: the c={biggest} points would skip"
    )


def test_percentile_interpolates() -> None:
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([0, 10], 99) == pytest.approx(9.9)
    assert percentile([7], 99) == 7
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="0..100"):
        percentile([1], 101)


@pytest.mark.parametrize("pair", pair_params())
def test_fetch_round_is_one_fetch_all_condensed(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    w = workers.get(pair.kind)
    args = {"model": pair.model, "concurrency": 3, "timeout": 5.0, "client": pair.client}
    ok = w.call(
        "shared.bench.sweep.fetch_round", **args, url=sweep.delay_url(server.url, 0), requests=7
    )
    assert ok["requests"] == 7
    assert ok["errors"] == {}
    assert len(ok["latencies_s"]) == 7
    assert all(0 <= s <= ok["elapsed_s"] for s in ok["latencies_s"])
    assert server.stats()["count"] == 7
    bad = w.call(
        "shared.bench.sweep.fetch_round", **args, url=f"{server.url}/status/503", requests=4
    )
    assert bad["errors"] == {"http": 4}


def test_probe_gives_a_pair_with_a_small_start_up_shorter_rounds() -> None:
    run = FakeRun(0.002, 19.9)  # one connection: 2 ms to start, then 50 ms per request
    plan = sizing.size_rounds(run, 1, 50, budget_s=1.5, max_rounds=3, deadline_s=10)
    assert plan.startup_s == pytest.approx(0.002 + 1 / 19.9 - 1 / 20)
    assert plan.requests == round(20 * sizing.MIN_BUDGET_S)
    assert plan.rounds == 3


def test_a_busy_client_is_noted_at_a_delayed_point_only() -> None:
    note = sweep.client_bound_note(1.04, 50)
    assert note is not None
    assert "1.04 CPU" in note
    assert sweep.client_bound_note(0.6, 50) is None  # mostly waiting
    assert sweep.client_bound_note(1.0, 0) is None  # without a delay every client is busy
    assert sweep.client_bound_note(None, 50) is None  # not measured
