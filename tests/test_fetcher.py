"""Fetcher conformance: one test body per behaviour, run over every (model, client) pair.

Every pair runs in its model's own worker against the shared test server, whose counters
(requests started, most in flight) are the referee. The asyncio pairs also run on uvloop
where a test lists ``ALL_PAIRS``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from shared import spec
from shared.harness.fixtures import Workers, pair_params
from shared.harness.server import ServerProcess
from shared.harness.worker import ModelWorker, RemoteError, Reply
from shared.scenarios import fetcher
from shared.spec import FetchResult
from tests.helpers import run_python

#: each model on its default worker with each of its clients
PAIRS = pair_params(spec.pairs(spec.DEFAULT_KINDS))
#: and asyncio on uvloop too
ALL_PAIRS = pair_params(spec.PAIRS)

#: how late a timed-out request may end (the spec: within 100 ms)
SLACK_S = 0.1


def fetch(workers: Workers, pair: spec.Pair, urls: object, **kw: Any) -> Reply:
    """``fetch_all`` in the pair's worker; the reply carries the results and the batch time."""
    kwargs = {"urls": urls, "concurrency": 4, "timeout": 5.0, "client": pair.client, **kw}
    return workers.get(pair.kind).request("fetcher.fetch_all", kwargs)


@pytest.fixture(scope="module")
def garbage_url() -> Iterator[str]:
    """A raw TCP server on another port that answers every connection with non-HTTP bytes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # accept() wakes up to see `done`
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-not-http\r\n\x00\x01\x02\r\n\r\n")

    thread = threading.Thread(target=serve, name="garbage-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/x"
    done.set()
    thread.join(5)
    listener.close()


# --- what each fault turns into ------------------------------------------------------------


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_each_fault_gives_its_error_kind(
    workers: Workers, server: ServerProcess, garbage_url: str, pair: spec.Pair
) -> None:
    u = server.url
    refused = f"http://127.0.0.1:{fetcher.unused_port()}/"
    # url -> (error, status); the status is what arrived before the fault, if anything
    expected: dict[str, tuple[str | None, int | None]] = {
        f"{u}/delay/0": (None, 200),
        f"{u}/bytes/1000": (None, 200),  # exactly max_bytes: not too large
        f"{u}/bytes/0": (None, 200),
        f"{u}/status/204": (None, 204),
        f"{u}/redirect/302": (None, 302),  # recorded, not followed
        f"{u}/status/404": ("http", 404),
        f"{u}/status/503": ("http", 503),
        f"{u}/close": ("protocol", None),
        f"{u}/truncated": ("protocol", 200),
        f"{u}/garbage": ("protocol", None),
        garbage_url: ("protocol", None),
        refused: ("connect", None),
        f"{u}/delay/2000": ("timeout", None),
        f"{u}/drip?n=40&interval_ms=25": ("timeout", 200),  # fine trickle past the timeout
        f"{u}/drip?n=2&interval_ms=450": ("timeout", 200),  # a byte, then silence past it
        f"{u}/bytes/1001": ("too-large", 200),
        f"{u}/bytes/4000000": ("too-large", 200),
        "ftp://127.0.0.1/x": ("invalid-url", None),
        "not a url": ("invalid-url", None),
        "http://": ("invalid-url", None),
        "": ("invalid-url", None),
    }
    urls = list(expected)
    reply = fetch(workers, pair, urls, concurrency=8, timeout=0.5, max_bytes=1000)
    got = {r.url: (r.error, r.status) for r in reply.value}
    assert got == expected
    by_url = {r.url: r for r in reply.value}
    assert by_url[f"{u}/delay/0"].nbytes == 2
    assert by_url[f"{u}/bytes/1000"].nbytes == 1000
    assert by_url[f"{u}/status/503"].nbytes == len("status 503\n")
    assert by_url[f"{u}/bytes/1001"].nbytes > 1000
    # stops reading past the limit instead of buffering the whole 4 MB body
    assert 1000 < by_url[f"{u}/bytes/4000000"].nbytes < 1_000_000
    for r in reply.value:
        assert r.elapsed_s <= 0.5 + SLACK_S, r
        if r.error == "invalid-url":
            assert (r.nbytes, r.elapsed_s) == (0, 0.0)
    # each URL of the test server was requested once: no retry, no redirect followed
    assert server.stats()["count"] == sum(url.startswith(u) for url in urls)


# --- order, count, duplicates -------------------------------------------------------------


@pytest.mark.parametrize("pair", PAIRS)
def test_a_thousand_mixed_urls_lose_and_duplicate_nothing(
    workers: Workers, server: ServerProcess, garbage_url: str, pair: spec.Pair
) -> None:
    u = server.url
    refused = f"http://127.0.0.1:{fetcher.unused_port()}/"
    cycle: list[tuple[str, str | None]] = [
        (f"{u}/bytes/7", None),  # the same URL again and again: fetched every time
        (f"{u}/status/404", "http"),
        (f"{u}/close", "protocol"),
        (f"{u}/truncated", "protocol"),
        (f"{u}/garbage", "protocol"),
        (garbage_url, "protocol"),
        (refused, "connect"),
        (f"{u}/bytes/2000", "too-large"),
        ("mailto:x@example.org", "invalid-url"),
    ]
    urls: list[str] = []
    kinds: list[str | None] = []
    for i in range(1100):
        if i % 4 == 3:
            url, kind = cycle[i // 4 % len(cycle)]
        else:
            url, kind = f"{u}/delay/0?i={i}", None  # distinct: shows the order
        urls.append(url)
        kinds.append(kind)
    reply = fetch(workers, pair, urls, concurrency=10, max_bytes=1000)
    results: list[FetchResult] = reply.value
    assert [r.url for r in results] == urls
    assert [r.error for r in results] == kinds
    assert server.stats()["count"] == sum(url.startswith(u) for url in urls)


@pytest.mark.parametrize("pair", PAIRS)
def test_an_empty_list_gives_an_empty_list(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    assert fetch(workers, pair, []).value == []


# --- the concurrency cap --------------------------------------------------------------------


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_in_flight_reaches_the_cap_and_never_exceeds_it(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    c = 8
    # a request an earlier test gave up on may still run in the server: the peak must be ours
    server.wait_idle()
    assert server.reset()["inflight"] == 0, "requests from an earlier test still in flight"
    urls = [f"{server.url}/delay/200"] * (3 * c)
    reply = fetch(workers, pair, urls, concurrency=c)
    assert [r.error for r in reply.value] == [None] * (3 * c)
    stats = server.stats()
    assert stats["count"] == 3 * c
    assert stats["peak"] == c
    # three waves of 0.2 s: not one (no cap), not 24 (no concurrency)
    assert 0.55 < reply.elapsed_s < 0.75 * 3 * c * 0.2


@pytest.mark.parametrize("pair", ALL_PAIRS)
def test_no_request_waits_for_a_connection_on_its_own_clock(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    # The cap must be the model's (`concurrency` workers), not the client's pool: a worker
    # started beyond it would wait for a pooled connection with its clock and its deadline
    # running, which the server's peak cannot show (the pool keeps it at the cap).
    c, delay = 8, 0.2
    server.wait_idle()  # an earlier test's timed-out request must not share the server
    reply = fetch(workers, pair, [f"{server.url}/delay/200"] * (3 * c), concurrency=c)
    assert [r.error for r in reply.value] == [None] * (3 * c)
    slowest = max(r.elapsed_s for r in reply.value)
    assert slowest < 1.6 * delay, f"a request took {slowest:.3f} s for a {delay} s delay"
    # nor may a request time out that never reached the server: two waves of 0.3 s fit in
    # one 0.5 s timeout only if the second wave's clocks start when they are sent
    reply = fetch(workers, pair, [f"{server.url}/delay/300"] * 8, concurrency=2, timeout=0.5)
    assert [r.error for r in reply.value] == [None] * 8


# --- the timeout ----------------------------------------------------------------------------


@pytest.mark.parametrize("pair", PAIRS)
def test_timeouts_are_per_request_and_bound_the_batch(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    c, timeout = 4, 0.3
    slow = [f"{server.url}/delay/1500", f"{server.url}/drip?n=30&interval_ms=40"]
    urls = slow * (3 * c // 2)  # three waves of `c`, every request past its timeout
    reply = fetch(workers, pair, urls, concurrency=c, timeout=timeout)
    assert [r.error for r in reply.value] == ["timeout"] * len(urls)
    for r in reply.value:
        assert timeout <= r.elapsed_s <= timeout + SLACK_S, r
    # the cap implies three waves of one timeout each; a slot is freed at each timeout
    assert reply.elapsed_s < 3 * (timeout + SLACK_S) + 0.3


# --- arguments ------------------------------------------------------------------------------

BAD_ARGS = [
    pytest.param({"concurrency": 0}, "concurrency must be >= 1", id="concurrency-0"),
    pytest.param({"concurrency": 2.5}, "concurrency must be an integer", id="concurrency-float"),
    pytest.param({"timeout": 0}, "timeout must be > 0", id="timeout-0"),
    pytest.param({"timeout": -1.0}, "timeout must be > 0", id="timeout-negative"),
    pytest.param({"max_bytes": -1}, "max_bytes must be an integer >= 0", id="max-bytes"),
    pytest.param({"urls": "http://127.0.0.1/"}, "urls must be a list", id="urls-a-string"),
    pytest.param({"urls": [None]}, r"urls\[0\] must be a string", id="url-not-a-string"),
]


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize(("bad", "message"), BAD_ARGS)
def test_bad_arguments_raise_value_error_before_any_io(
    workers: Workers,
    server: ServerProcess,
    pair: spec.Pair,
    bad: dict[str, Any],
    message: str,
) -> None:
    kwargs = {"urls": [f"{server.url}/delay/0"] * 3, **bad}
    with pytest.raises(RemoteError, match=message) as info:
        fetch(workers, pair, **kwargs)
    assert info.value.remote_type == "ValueError"
    assert server.stats()["count"] == 0


def test_the_gevent_fetcher_refuses_to_run_unpatched(server: ServerProcess) -> None:
    # a worker of its own: importing the fetcher imports gevent, which the session's
    # unpatched worker must not have done (test_isolation checks it)
    with ModelWorker("gevent", patch=False) as worker, pytest.raises(RemoteError) as info:
        worker.call(
            "fetcher.fetch_all", urls=[server.url], concurrency=1, timeout=1, client="httpx"
        )
    assert info.value.remote_type == "RuntimeError"
    assert "needs gevent.monkey.patch_all() first" in info.value.remote_message
    assert server.stats()["count"] == 0


def test_each_model_refuses_the_other_models_clients(workers: Workers) -> None:
    refused = [("gevent", "aiohttp"), ("asyncio", "urllib3"), ("thread", "aiohttp")]
    for model, client in [*refused, ("thread", "requests")]:
        pair = spec.Pair(spec.kind_for(model), client)  # not one of spec.PAIRS
        with pytest.raises(RemoteError, match=f"unknown client '{client}' for model {model}"):
            fetch(workers, pair, ["http://127.0.0.1:1/"])


# --- Ctrl-C ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pair", PAIRS)
def test_ctrl_c_stops_the_run_and_leaves_nothing_behind(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    worker = workers.get(pair.kind)
    fetch(workers, pair, [f"{server.url}/delay/0"])  # warm: see the probe's doc
    urls = [f"{server.url}/delay/400"] * 100  # 4 s at concurrency 10: interrupted long before
    report = worker.call(
        "shared.harness.introspect.interrupted_fetch",
        after_s=0.4,
        urls=urls,
        concurrency=10,
        timeout=2.0,
        client=pair.client,
    )
    assert report["interrupted"] is True
    # greenlets and tasks are cancelled at once; threads finish their request (<= timeout)
    assert report["stop_s"] < 2.0 + 0.5
    assert report["after"] == report["before"]
    started = server.stats()["count"]
    time.sleep(0.3)
    assert server.stats()["count"] == started < len(urls), "requests go on after the interrupt"


# --- the runnable demos ---------------------------------------------------------------------


@pytest.mark.parametrize("model", spec.MODELS)
def test_each_fetcher_module_runs_as_a_demo(server: ServerProcess, model: str) -> None:
    urls = [f"{server.url}/delay/0", f"{server.url}/status/503"]
    run = run_python(["-m", f"impls.{model}_impl.fetcher", "--timeout", "5", *urls])
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # the gevent demo patches first: no MonkeyPatchWarning
    out = run.stdout.splitlines()
    assert len(out) == 2 * 3  # per client: a summary line and one line per URL
    for i, client in enumerate(spec.CLIENTS[model]):
        head, first, second = out[3 * i : 3 * i + 3]
        assert head.startswith(f"{client}, 2 URLs: ")
        assert head.endswith(" req/s, 1/2 ok")
        assert first == f"     1 x {urls[0]:38} status 200, ok"
        assert second == f"     1 x {urls[1]:38} status 503, http"
    assert server.stats()["count"] == 4
