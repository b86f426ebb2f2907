"""``switchbench fetch`` on real lists: streamed in order, progress, Ctrl-C keeps what is done,
``--processes``; and the bounded window behind it (``shared.scenarios.fetch_dispatch``)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import IO

import psutil
import pytest

from shared import spec
from shared.harness.fixtures import pair_params
from shared.harness.server import ServerProcess
from shared.scenarios import fetch_dispatch, fetcher
from tests.helpers import run_python, start_python


def start(*args: str) -> subprocess.Popen[bytes]:
    """The command, its stdout unbuffered here (``select`` on it sees every line)."""
    return start_python(
        ["-m", "shared.cli", "fetch", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=False,
        bufsize=0,
    )


def finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> tuple[str, str]:
    out, err = proc.communicate(timeout=timeout)
    return out.decode(), err.decode()


def read_lines(stream: IO[bytes], n: int, within_s: float) -> list[dict]:
    """The next ``n`` JSON lines of an unbuffered ``stream``, or fail after ``within_s``."""
    import select

    out: list[dict] = []
    end = time.monotonic() + within_s
    while len(out) < n:
        ready, _, _ = select.select([stream], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            pytest.fail(f"only {len(out)} of {n} lines within {within_s} s")
        line = stream.readline()  # unbuffered: reads this line only, so select stays true
        if not line:
            pytest.fail(f"stdout ended after {len(out)} lines")
        out.append(json.loads(line))
    return out


def workers_of(proc: subprocess.Popen[bytes], within_s: float = 20.0) -> list[psutil.Process]:
    """The worker processes of a running ``switchbench fetch``, once they are there."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        kids = psutil.Process(proc.pid).children(recursive=True)
        if kids:
            return kids
        time.sleep(0.05)
    pytest.fail("no worker process found")


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Runs a test starts; any still going at the end are killed by pid."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.communicate()


def test_results_stream_out_in_order_before_the_slow_ones_finish(
    server: ServerProcess, running: list
) -> None:
    fast = [f"{server.url}/delay/0?i={i}" for i in range(100)]
    slow = [f"{server.url}/delay/3000"] * 100
    proc = start("--model", "thread", "--client", "urllib3", "-c", "50", *fast, *slow)
    running.append(proc)
    assert proc.stdout is not None
    first = read_lines(proc.stdout, 100, within_s=20)
    assert [d["url"] for d in first] == fast
    assert all(d["error"] is None for d in first)
    # the slow ones are still being fetched: the first 100 did not wait for them
    assert proc.poll() is None
    assert server.stats()["inflight"] > 0


@pytest.mark.parametrize(
    ("how", "code", "said"),
    [(signal.SIGINT, 130, "interrupted (SIGINT)"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
)
def test_a_signal_keeps_what_is_done_and_leaves_no_worker(
    server: ServerProcess, running: list, how: signal.Signals, code: int, said: str
) -> None:
    first_wave = [f"{server.url}/delay/50?i={i}" for i in range(10)]
    urls = first_wave + [f"{server.url}/delay/5000"] * 200
    proc = start("--model", "asyncio", "--client", "aiohttp", "-c", "10", *urls)
    running.append(proc)
    assert proc.stdout is not None
    done = read_lines(proc.stdout, 10, within_s=20)  # the first wave came out
    kids = workers_of(proc)
    proc.send_signal(how)
    rest, err = finish(proc, 20)
    assert proc.returncode == code, err
    assert [d["url"] for d in done] == first_wave
    assert rest == ""  # the 5 s ones never completed: nothing more to write
    assert said in err
    assert "10 URLs in" in err.splitlines()[-2]
    dropped = re.search(r"10 done, (\d+) sent and dropped, (\d+) not attempted", err)
    assert dropped, err
    # what the workers held (in flight or queued, at most twice the concurrency) was dropped
    assert 10 <= int(dropped[1]) <= 20
    assert int(dropped[1]) + int(dropped[2]) == 200
    _, alive = psutil.wait_procs(kids, timeout=5)
    assert alive == []


def test_after_ctrl_c_the_completed_ones_behind_a_gap_are_written_marked(
    server: ServerProcess, running: list
) -> None:
    head = f"{server.url}/delay/5000"
    behind = [f"{server.url}/delay/0?i={i}" for i in range(9)]
    proc = start("--model", "gevent", "--client", "geventhttpclient", "-c", "10", head, *behind)
    running.append(proc)
    kids = workers_of(proc)
    end = time.monotonic() + 20
    while server.stats()["count"] < 10 and time.monotonic() < end:
        time.sleep(0.05)  # every request has started; the nine quick ones are done
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, 20)
    assert proc.returncode == 130, err
    lines = [json.loads(x) for x in out.splitlines()]
    assert [d["url"] for d in lines] == behind
    assert all(d["out_of_order"] is True and d["error"] is None for d in lines)
    assert "9 done, 1 sent and dropped, 0 not attempted" in err
    _, alive = psutil.wait_procs(kids, timeout=5)
    assert alive == []


def test_a_second_signal_stops_at_once(server: ServerProcess, running: list) -> None:
    proc = start(
        "--model", "thread", "--client", "httpx", "-c", "5", *[f"{server.url}/delay/5000"] * 20
    )
    running.append(proc)
    kids = workers_of(proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    finish(proc, 10)
    assert proc.returncode == 130
    _, alive = psutil.wait_procs(kids, timeout=5)
    assert alive == []


def test_progress_is_a_plain_line_every_few_seconds_off_a_terminal(
    server: ServerProcess, running: list
) -> None:
    urls = [f"{server.url}/delay/400"] * 40  # 10 waves at -c 4: about 4 s
    proc = start("--model", "thread", "--client", "urllib3", "-c", "4", *urls)
    running.append(proc)
    out, err = finish(proc, 60)
    assert proc.returncode == 0, err
    assert len(out.splitlines()) == 40
    progress = [x for x in err.splitlines() if re.fullmatch(r".* done, [\d,]+ req/s, .*", x)]
    assert progress, err
    assert re.fullmatch(r"switchbench fetch: \d+/40 done, [\d,]+ req/s, errors: none", progress[0])
    quiet = start("--model", "thread", "--client", "urllib3", "-c", "4", "--quiet", *urls)
    running.append(quiet)
    _, err = finish(quiet, 60)
    assert len(err.strip().splitlines()) == 1  # the summary only
    assert "40 URLs in" in err


@pytest.mark.parametrize("pair", pair_params(spec.pairs(spec.DEFAULT_KINDS)))
def test_two_processes_pass_the_conformance_checks(
    server: ServerProcess, running: list, pair: spec.Pair
) -> None:
    u = server.url
    refused = f"http://127.0.0.1:{fetcher.unused_port()}/"
    expected = {
        f"{u}/bytes/7": (None, 7),
        f"{u}/status/404": ("http", len("status 404\n")),
        f"{u}/close": ("protocol", 0),
        refused: ("connect", 0),
        f"{u}/delay/3000": ("timeout", 0),
        "ftp://x/": ("invalid-url", 0),
    }
    urls = [f"{u}/bytes/{i}" for i in range(24)] + list(expected)
    args = ["--model", pair.model, "--client", pair.client, "-c", "8", "--timeout", "1"]
    proc = start(*args, "--processes", "2", *urls)
    running.append(proc)
    out, err = finish(proc, 60)
    assert proc.returncode == 0, err
    got = [json.loads(x) for x in out.splitlines()]
    assert [d["url"] for d in got] == urls
    assert [(d["error"], d["nbytes"]) for d in got[:24]] == [(None, i) for i in range(24)]
    assert {d["url"]: (d["error"], d["nbytes"]) for d in got[24:]} == expected
    assert server.stats()["count"] == len(urls) - 2  # refused and invalid never reach it
    assert "--processes 2" in err
    # the cap, split between the two processes, holds for the whole run and is reached
    assert server.wait_idle()  # the timed-out request's handler runs on after the client left
    server.reset()
    proc = start(*args, "--processes", "2", *[f"{u}/delay/200"] * 24)
    running.append(proc)
    out, err = finish(proc, 60)
    assert proc.returncode == 0, err
    assert len(out.splitlines()) == 24
    assert server.stats()["peak"] == 8


@pytest.mark.parametrize("bad", ["0", "-1"])
def test_bad_process_counts_exit_2_with_one_line(bad: str) -> None:
    proc = start("--model", "thread", "--client", "httpx", "--processes", bad, "http://x/")
    out, err = finish(proc, 30)
    assert proc.returncode == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "processes" in err


def test_results_waiting_for_a_slow_head_stay_within_the_window(server: ServerProcess) -> None:
    urls = [f"{server.url}/delay/1500"] + [f"{server.url}/delay/0"] * 3000
    kind = spec.kind_for("asyncio", loop="uvloop")
    seen: list[tuple[int, int]] = []
    with fetch_dispatch.Dispatch(
        kind, iter(urls), processes=1, concurrency=4, timeout=5.0, client="aiohttp"
    ) as run:
        run.on_tick = lambda: seen.append((len(run._waiting), run.tally.sent - run._next_out))
        results = list(run)
    assert len(results) == len(urls)
    assert [r.error for r in results] == [None] * len(urls)
    assert max(w for w, _ in seen) <= run.window
    assert max(ahead for _, ahead in seen) <= run.window
    assert max(w for w, _ in seen) >= run.window - 2 * run.concurrency  # it did fill up


def test_the_memory_script_reads_both_peaks() -> None:
    run = run_python(["benchmarks/fetch_memory.py", "--urls", "300", "-c", "10"], timeout=120)
    assert run.returncode == 0, run.stderr
    head, row = run.stdout.splitlines()
    assert head.split() == ["urls", "seconds", "parent", "MiB", "worker", "MiB"]
    n, _, parent, worker = row.split()[:4]
    assert n == "300"
    assert float(parent) > 5
    assert float(worker) > 5
    assert "300 URLs in" in row
