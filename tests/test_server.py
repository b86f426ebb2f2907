"""The test server: every route, the in-flight counter, and robustness to garbage."""

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.harness.server import ServerProcess
from tests.helpers import run_python, start_python


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def raw(server: ServerProcess, request: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_url_is_loopback_with_a_real_port(server: ServerProcess) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert int(server.url.rsplit(":", 1)[1]) > 0


def test_delay_waits_about_that_long(server: ServerProcess) -> None:
    t0 = time.perf_counter()
    assert get(server.url + "/delay/300") == (200, b"ok")
    assert time.perf_counter() - t0 >= 0.29


@pytest.mark.parametrize("n", [0, 1, 1000, 3 * 1024 * 1024 + 7])
def test_bytes_returns_exactly_n(server: ServerProcess, n: int) -> None:
    status, body = get(f"{server.url}/bytes/{n}")
    assert status == 200
    assert len(body) == n


@pytest.mark.parametrize("code", [200, 204, 404, 503])
def test_status_returns_that_code(server: ServerProcess, code: int) -> None:
    assert get(f"{server.url}/status/{code}")[0] == code


@pytest.mark.parametrize("path", ["/delay/abc", "/delay/-1", "/bytes/x", "/status/99", "/drip?n=z"])
def test_bad_parameters_are_400(server: ServerProcess, path: str) -> None:
    assert get(server.url + path)[0] == 400


def test_drip_is_slow_and_complete(server: ServerProcess) -> None:
    t0 = time.perf_counter()
    assert get(server.url + "/drip?n=5&interval_ms=50") == (200, b"xxxxx")
    assert time.perf_counter() - t0 >= 0.24


def test_redirect_answers_a_3xx_with_a_location(server: ServerProcess) -> None:
    head = raw(server, b"GET /redirect/302 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 302")
    assert b"Location: /delay/0" in head


def test_close_drops_the_connection_without_a_response(server: ServerProcess) -> None:
    assert raw(server, b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n") == b""


def test_truncated_sends_less_than_it_promises(server: ServerProcess) -> None:
    answer = raw(server, b"GET /truncated HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Length: 1000" in head
    assert body == b"0123456789"


def test_garbage_route_answers_something_that_is_not_http(server: ServerProcess) -> None:
    answer = raw(server, b"GET /garbage HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer
    assert not answer.startswith(b"HTTP/")


def test_a_garbage_request_gets_400_and_does_not_hurt_the_server(server: ServerProcess) -> None:
    answer = raw(server, b"\x00\x01GARBAGE \xff\xfe\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0] in (b"HTTP/1.0 400 Bad Request", b"HTTP/1.1 400 Bad Request")
    assert get(server.url + "/delay/0") == (200, b"ok")


def test_stats_counts_and_measures_peak_in_flight(server: ServerProcess) -> None:
    n = 20
    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(lambda _: get(server.url + "/delay/400"), range(n)))
    assert answers == [(200, b"ok")] * n
    stats = server.stats()
    assert stats["count"] == n
    assert stats["peak"] == n
    assert stats["inflight"] == 0
    assert server.reset()["peak"] == 0
    assert server.stats()["count"] == 0


def test_wait_idle_waits_for_what_is_in_flight_and_gives_up_in_time(
    server: ServerProcess,
) -> None:
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, server.url + "/delay/1000")
        end = time.monotonic() + 10
        while server.stats()["inflight"] == 0 and time.monotonic() < end:
            time.sleep(0.01)
        t0 = time.perf_counter()
        assert server.wait_idle(within_s=0.2) is False  # gave up, and says so
        assert 0.2 <= time.perf_counter() - t0 < 0.7
        assert server.wait_idle(within_s=5) is True
        assert time.perf_counter() - t0 >= 0.5  # it waited for the request to end
        assert slow.result(timeout=5) == (200, b"ok")


def test_stats_is_json_with_the_server_pid(server: ServerProcess) -> None:
    status, body = get(server.url + "/stats")
    assert status == 200
    assert json.loads(body)["pid"] == server.pid


def test_cli_server_prints_its_url_first_and_stops_on_sigint() -> None:
    p = start_python(
        ["-m", "shared.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert p.stdout is not None
        url = p.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert get(url + "/delay/0") == (200, b"ok")
        p.send_signal(2)
        assert p.wait(10) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for f in (p.stdout, p.stderr):
            assert f is not None
            f.close()


def test_bad_port_exits_2_with_a_reason() -> None:
    p = run_python(["-m", "shared.harness.server", "--port", "70000"], timeout=30)
    assert p.returncode == 2
    assert "--port must be in 0..65535" in p.stderr
