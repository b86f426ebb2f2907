"""The test server's handlers, in-process: aiohttp's test client on pytest-asyncio's loop.

``tests/test_server.py`` tests the server as the models meet it, a process of its own
reached over TCP. Here ``make_app()`` runs on this test's event loop (``TestServer``), so a
test can read the counters the middleware keeps (``app[STATS]``) at the very moment
requests are in flight, and the routes' limits can be walked through quickly.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from shared.harness import server as srv

pytestmark = pytest.mark.asyncio

MIB = 1 << 20


@pytest_asyncio.fixture
async def client() -> AsyncIterator[TestClient]:
    """A fresh app (its own zeroed counters) on 127.0.0.1, and a client for it."""
    async with TestClient(TestServer(srv.make_app())) as c:
        yield c


def counters(client: TestClient) -> srv.Stats:
    """The app's own counters, read directly (no request that could disturb them)."""
    return client.app[srv.STATS]  # type: ignore[index]


async def get(client: TestClient, path: str) -> tuple[int, bytes]:
    async with client.get(path, allow_redirects=False) as resp:
        return resp.status, await resp.read()


async def stats(client: TestClient, path: str = "/stats") -> dict[str, int]:
    async with client.get(path) as resp:
        assert resp.status == 200
        return await resp.json()


async def until_inflight(client: TestClient, n: int, within_s: float = 5.0) -> None:
    """Let the loop run until exactly ``n`` requests are inside their handlers."""
    step_s = 0.005
    for _ in range(int(within_s / step_s)):
        if counters(client).inflight == n:
            return
        await asyncio.sleep(step_s)
    assert counters(client).inflight == n


# --- /stats and the middleware ----------------------------------------------------------


async def test_stats_counts_every_request_but_its_own(client: TestClient) -> None:
    for path in ["/delay/0", "/delay/0", "/bytes/3", "/status/404", "/delay/x"]:
        await get(client, path)
    await stats(client)  # neither /stats nor /stats/reset counts itself
    assert await stats(client) == {"inflight": 0, "peak": 1, "count": 5, "pid": os.getpid()}


async def test_in_flight_and_peak_follow_concurrent_requests(client: TestClient) -> None:
    n = 6
    slow = [asyncio.ensure_future(get(client, "/delay/300")) for _ in range(n)]
    await until_inflight(client, n)
    assert (await stats(client))["inflight"] == n  # /stats sees them too, while they wait
    assert await asyncio.gather(*slow) == [(200, b"ok")] * n
    assert await stats(client) == {"inflight": 0, "peak": n, "count": n, "pid": os.getpid()}
    await get(client, "/delay/0")  # one at a time: the peak stays
    assert (counters(client).inflight, counters(client).peak, counters(client).count) == (
        0,
        n,
        n + 1,
    )


async def test_reset_zeroes_count_and_peak_but_keeps_what_is_in_flight(
    client: TestClient,
) -> None:
    slow = [asyncio.ensure_future(get(client, "/delay/300")) for _ in range(3)]
    await until_inflight(client, 3)
    after_reset = await stats(client, "/stats/reset")
    assert (after_reset["inflight"], after_reset["peak"], after_reset["count"]) == (3, 3, 0)
    await asyncio.gather(*slow)
    # the three began before the reset: still the peak, not counted
    assert (counters(client).inflight, counters(client).peak, counters(client).count) == (
        0,
        3,
        0,
    )
    assert (await stats(client, "/stats/reset"))["peak"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/delay/nope",  # a handler that answers 400
        "/close",  # one that drops the connection (its task is cancelled)
        "/garbage",
        "/truncated",
    ],
)
async def test_in_flight_goes_back_to_zero_however_a_request_ends(
    client: TestClient, path: str
) -> None:
    try:
        await get(client, path)
    except aiohttp.ClientError:
        pass  # the routes that drop the connection: the client sees a broken response
    await until_inflight(client, 0)
    assert counters(client).count == 1


# --- the routes' limits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/delay/-1", "ms must be in 0..60000"),
        ("/delay/60001", "ms must be in 0..60000"),
        ("/delay/1.5", "ms must be an integer"),
        ("/bytes/-1", f"n must be in 0..{srv.MAX_BYTES}"),
        (f"/bytes/{srv.MAX_BYTES + 1}", f"n must be in 0..{srv.MAX_BYTES}"),
        ("/status/199", "code must be in 200..599"),
        ("/status/600", "code must be in 200..599"),
        ("/redirect/200", "code must be in 300..399"),
        ("/drip?n=10001", "n must be in 0..10000"),
        ("/drip?interval_ms=-1", "interval_ms must be in 0..60000"),
    ],
)
async def test_out_of_range_arguments_are_400_with_the_reason(
    client: TestClient, path: str, reason: str
) -> None:
    assert await get(client, path) == (400, f"{reason}\n".encode())


async def test_delay_waits_at_least_that_long(client: TestClient) -> None:
    t0 = time.perf_counter()
    assert await get(client, "/delay/120") == (200, b"ok")
    assert time.perf_counter() - t0 >= 0.12
    assert await get(client, "/delay/0") == (200, b"ok")


@pytest.mark.parametrize("n", [0, 1, MIB, MIB + 1, 3 * MIB + 7])
async def test_bytes_sends_exactly_n_with_that_content_length(client: TestClient, n: int) -> None:
    # up to one chunk in one response; more is streamed chunk by chunk
    async with client.get(f"/bytes/{n}") as resp:
        assert resp.status == 200
        assert resp.content_length == n
        assert resp.content_type == "application/octet-stream"
        assert len(await resp.read()) == n


@pytest.mark.parametrize("code", [300, 302, 307, 399])
async def test_redirect_is_answered_not_followed(client: TestClient, code: int) -> None:
    async with client.get(f"/redirect/{code}", allow_redirects=False) as resp:
        assert resp.status == code
        assert resp.headers["Location"] == "/delay/0"
    assert counters(client).count == 1  # nothing requested /delay/0


@pytest.mark.parametrize("code", [200, 204, 404, 599])
async def test_status_answers_that_code(client: TestClient, code: int) -> None:
    assert (await get(client, f"/status/{code}"))[0] == code


async def test_drip_sends_n_bytes_spaced_out(client: TestClient) -> None:
    t0 = time.perf_counter()
    async with client.get("/drip?n=4&interval_ms=20") as resp:
        assert resp.content_length == 4
        assert await resp.read() == b"xxxx"
    assert time.perf_counter() - t0 >= 4 * 0.020


async def test_any_other_path_is_404(client: TestClient) -> None:
    assert (await get(client, "/nothing/here"))[0] == 404
