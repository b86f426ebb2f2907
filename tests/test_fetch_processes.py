"""``fetch_all(..., processes=P)``: one fetch spread over P worker processes of one model.

The same conformance as one process (order, sizes, errors, the cap counted at the server),
with the concurrency split between the processes so the cap holds for the whole run.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from shared import spec
from shared.harness.fixtures import Workers, kind_params, pair_params
from shared.harness.server import ServerProcess
from shared.harness.worker import RemoteError, WorkerError
from shared.scenarios import fetch_dispatch


@pytest.mark.parametrize("pair", pair_params(spec.pairs(spec.DEFAULT_KINDS)))
def test_two_processes_keep_order_sizes_errors_and_the_cap(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    u = server.url
    urls = []
    for i in range(120):
        urls.append(f"{u}/bytes/{i}" if i % 3 else f"{u}/delay/100?i={i}")
    urls += [f"{u}/status/503", "ftp://x/", f"{u}/bytes/0"]
    reply = workers.get(pair.kind).request(
        "fetcher.fetch_all",
        {"urls": urls, "concurrency": 6, "timeout": 5.0, "client": pair.client, "processes": 2},
    )
    results = reply.value
    assert [r.url for r in results] == urls
    assert [r.nbytes for r in results[:120:3]] == [2] * 40  # /delay answers "ok"
    assert [r.nbytes for r in results[1:120:3]] == list(range(1, 120, 3))
    assert [r.error for r in results[-3:]] == ["http", "invalid-url", None]
    stats = server.stats()
    assert stats["count"] == len(urls) - 1  # the invalid URL never reaches the network
    assert stats["peak"] <= 6


@pytest.mark.parametrize("pair", pair_params(spec.pairs(spec.DEFAULT_KINDS)))
def test_the_cap_holds_across_processes_and_is_reached(
    workers: Workers, server: ServerProcess, pair: spec.Pair
) -> None:
    c = 8
    assert server.wait_idle()
    server.reset()
    urls = [f"{server.url}/delay/200"] * (3 * c)
    reply = workers.get(pair.kind).request(
        "fetcher.fetch_all",
        {"urls": urls, "concurrency": c, "timeout": 5.0, "client": pair.client, "processes": 2},
    )
    assert [r.error for r in reply.value] == [None] * (3 * c)
    stats = server.stats()
    assert stats["count"] == 3 * c
    assert stats["peak"] == c
    # three waves of 0.2 s, plus starting two workers: not one wave (no cap), not 24
    assert 0.55 < reply.elapsed_s < 3 * c * 0.2


@pytest.mark.parametrize("kind", kind_params(spec.DEFAULT_KINDS))
@pytest.mark.parametrize("processes", [0, -1, True, 2.5, "2"])
def test_bad_process_counts_raise_value_error_before_any_io(
    workers: Workers, server: ServerProcess, kind: spec.WorkerKind, processes: object
) -> None:
    with pytest.raises(RemoteError, match="processes must be an integer >= 1") as info:
        workers.get(kind).call(
            "fetcher.fetch_all",
            urls=[f"{server.url}/delay/0"],
            concurrency=2,
            timeout=1.0,
            client="httpx",
            processes=processes,
        )
    assert info.value.remote_type == "ValueError"
    assert server.stats()["count"] == 0


def test_no_more_processes_than_urls_or_than_the_concurrency(server: ServerProcess) -> None:
    kind = spec.kind_for("thread")
    options = {"timeout": 5.0, "client": "urllib3"}
    urls = [f"{server.url}/delay/0"] * 2
    with fetch_dispatch.Dispatch(kind, urls, processes=5, concurrency=4, **options) as run:
        assert run.processes == 2
        assert [r.error for r in run] == [None, None]
    with fetch_dispatch.Dispatch(kind, urls * 5, processes=5, concurrency=3, **options) as run:
        assert run.processes == 3
        assert len(list(run)) == 10
    with fetch_dispatch.Dispatch(kind, [], processes=3, concurrency=3, **options) as run:
        assert run.processes == 0
        assert list(run) == []


def test_a_process_that_dies_is_reported_not_lost(server: ServerProcess) -> None:
    kind = spec.kind_for("asyncio")
    urls = [f"{server.url}/delay/300"] * 40
    with fetch_dispatch.Dispatch(
        kind, urls, processes=2, concurrency=4, timeout=5.0, client="aiohttp"
    ) as run:
        results = iter(run)
        next(results)  # the run is going
        victim = run._shares[1].worker.pid
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(WorkerError, match="died during the call"):
            for _ in results:
                pass
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)


def test_the_split_gives_every_process_a_fair_share() -> None:
    assert fetch_dispatch.split(10, 3) == [4, 3, 3]
    assert fetch_dispatch.split(2, 2) == [1, 1]
    assert sum(fetch_dispatch.split(1001, 7)) == 1001
