"""The test server in several processes and on several ports: /stats stays right across them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from shared.bench.machine import CpuMeter
from shared.harness import proc
from shared.harness.server import ServerProcess
from shared.harness.server_procs import Stats


def get(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
        return resp.read()


def stats_of(url: str) -> dict:
    return json.loads(get(url + "/stats"))


def _in_a_forked_process(stats: Stats, steps: list[str]) -> None:
    """Run ``steps`` (Stats method names) in a forked child and wait for it to end."""
    pid = os.fork()
    if pid == 0:
        try:
            for step in steps:
                getattr(stats, step)()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_peak_is_of_the_sum_not_a_sum_of_peaks() -> None:
    stats = Stats(processes=2)
    # one process holds 3 and lets them go; then the other holds 3: never more than 3 at once
    _in_a_forked_process(stats, ["started"] * 3 + ["ended"] * 3)
    for _ in range(3):
        stats.started()
    assert stats.as_dict()["peak"] == 3  # a sum of each process's peak would say 6
    # the other process adds 2 while these 3 are held: 5 at once, counted across processes
    _in_a_forked_process(stats, ["started", "started"])
    seen = stats.as_dict()
    assert (seen["inflight"], seen["peak"], seen["count"]) == (5, 5, 8)
    # a reset in one process is seen by the other
    _in_a_forked_process(stats, ["reset"])
    seen = stats.as_dict()
    assert (seen["inflight"], seen["peak"], seen["count"]) == (5, 5, 0)


@pytest.fixture(scope="module")
def spread() -> Iterator[ServerProcess]:
    with ServerProcess(processes=2, ports=2) as srv:
        yield srv


def test_every_process_is_listed_and_answers_on_every_port(spread: ServerProcess) -> None:
    assert len(spread.urls) == 2
    assert len(set(spread.urls)) == 2
    assert spread.pids[0] == spread.pid
    assert len(set(spread.pids)) == 2
    assert all(psutil.Process(pid).is_running() for pid in spread.pids)
    answered = {stats_of(spread.urls[i % 2])["served_by"] for i in range(40)}
    # the kernel spreads connections between the processes (both answer, on both ports)
    assert answered == set(spread.pids)
    for url in spread.urls:
        assert get(url + "/delay/0") == b"ok"


def test_requests_held_in_both_processes_count_once_and_a_reset_reaches_both(
    spread: ServerProcess,
) -> None:
    spread.reset()
    n = 24
    with ThreadPoolExecutor(n) as pool:
        held = [pool.submit(get, f"{spread.urls[i % 2]}/delay/400") for i in range(n)]
        assert [f.result() for f in held] == [b"ok"] * n
    seen = spread.stats()
    assert (seen["inflight"], seen["peak"], seen["count"]) == (0, n, n)
    spread.reset()
    # every process now reads the zeroed counters, whichever answers
    for _ in range(10):
        seen = stats_of(spread.url)
        assert (seen["peak"], seen["count"]) == (0, 0)


def test_a_release_answers_the_delays_of_every_process_at_once(spread: ServerProcess) -> None:
    n = 16
    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        held = [pool.submit(get, f"{spread.urls[i % 2]}/delay/20000") for i in range(n)]
        end = time.monotonic() + 10
        while spread.stats()["inflight"] < n:
            assert time.monotonic() < end, "the requests never were all in flight"
            time.sleep(0.02)
        spread.release()
        assert [f.result() for f in held] == [b"ok"] * n
    assert time.perf_counter() - t0 < 10  # not the 20 s of the delay
    assert spread.stats()["inflight"] == 0


def test_the_cpu_meter_sums_every_process(spread: ServerProcess) -> None:
    with CpuMeter(*spread.pids) as all_of_it, CpuMeter(spread.pid) as first:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: get(f"{spread.urls[i % 2]}/bytes/200000"), range(400)))
    assert all_of_it.share is not None
    assert first.share is not None
    assert all_of_it.share > first.share


def test_one_process_by_default() -> None:
    with ServerProcess() as srv:
        assert srv.pids == [srv.pid]
        assert srv.urls == [srv.url]


def test_stopping_the_server_stops_every_process() -> None:
    with ServerProcess(processes=3) as srv:
        pids = list(srv.pids)
    end = time.monotonic() + 5
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids):
        assert time.monotonic() < end, f"left running: {pids}"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(["--processes", "0"], "--processes must be in 1..64, got 0", id="processes"),
        pytest.param(["--ports", "-1"], "--ports must be in 1..64, got -1", id="ports"),
        pytest.param(["--port", "65535", "--ports", "2"], "goes past 65535", id="past"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], reason: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "serve", *args],
        cwd=proc.ROOT,
        env=proc.child_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert reason in done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr
