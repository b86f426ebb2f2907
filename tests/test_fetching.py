"""shared.scenarios.fetcher, the fetcher's model-free half: results, limits, error classification.

The real faults are produced end to end in test_fetcher.py; these pin the rules themselves.
(geventhttpclient's table is not tested here: importing it would import gevent.)
"""

from __future__ import annotations

import socket

import aiohttp
import httpx
import pytest
import urllib3.exceptions as u3

from shared.scenarios import clients, fetcher
from shared.spec import FetchResult


def attempt(max_bytes: int = 10) -> fetcher.Attempt:
    return fetcher.Plan("thread", "httpx", 1, 1.0, max_bytes).attempt("http://127.0.0.1/")


def as_result(outcome: fetcher.Outcome) -> FetchResult:
    """An attempt's outcome (a plain tuple while the run lasts) as the result it ends as."""
    assert type(outcome) is tuple  # exact: the garbage collector lets such tuples go
    return FetchResult(*outcome)


def test_a_body_of_exactly_max_bytes_is_fine_one_more_is_too_large() -> None:
    a = attempt(max_bytes=10)
    a.head(200)
    a.body(b"x" * 10)
    assert as_result(a.result()).error is None
    with pytest.raises(clients.TooLarge):
        a.body(b"x")
    assert (a.nbytes, as_result(a.result()).nbytes) == (11, 11)


@pytest.mark.parametrize(
    ("status", "error"), [(200, None), (302, None), (399, None), (400, "http")]
)
def test_a_status_of_400_or_more_is_an_http_error_with_the_status_kept(
    status: int, error: str | None
) -> None:
    a = attempt()
    a.head(status)
    result = as_result(a.result())
    assert (result.status, result.error) == (status, error)


def test_a_failure_keeps_what_arrived_before_it() -> None:
    a = attempt()
    a.head(200)
    a.body(b"abc")
    result = as_result(a.failure(clients.DeadlineExceeded()))
    assert (result.status, result.nbytes, result.error) == (200, 3, "timeout")


def test_an_exception_that_is_no_per_url_failure_is_raised_not_hidden() -> None:
    with pytest.raises(KeyError):
        attempt().failure(KeyError("a bug"))


@pytest.mark.parametrize(
    ("client", "exc", "kind"),
    [
        ("httpx", httpx.ConnectError("refused"), "connect"),
        ("httpx", httpx.ReadTimeout("slow"), "timeout"),
        ("httpx", httpx.PoolTimeout("pool"), "timeout"),
        ("httpx", httpx.RemoteProtocolError("closed"), "protocol"),
        ("httpx", httpx.ReadError("reset"), "protocol"),
        ("urllib3", u3.NewConnectionError(None, "refused"), "connect"),  # type: ignore[arg-type]
        ("urllib3", u3.ReadTimeoutError(None, "/", "slow"), "timeout"),  # type: ignore[arg-type]
        ("urllib3", u3.ProtocolError("closed"), "protocol"),
        ("urllib3", u3.MaxRetryError(None, "/", u3.NewConnectionError(None, "x")), "connect"),  # type: ignore[arg-type]
        ("aiohttp", aiohttp.ServerDisconnectedError(), "protocol"),
        ("aiohttp", aiohttp.ServerTimeoutError(), "timeout"),
    ],
)
def test_client_exceptions_map_to_error_kinds(client: str, exc: Exception, kind: str) -> None:
    assert clients.classify(client, exc) == kind


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ConnectionRefusedError(), "connect"),
        (socket.gaierror(), "connect"),
        (TimeoutError(), "timeout"),
        (ConnectionResetError(), "protocol"),
        (OSError(113, "No route to host"), "connect"),
        (ValueError("a bug"), None),
    ],
)
def test_plain_socket_errors_have_the_same_kind_for_every_client(
    exc: BaseException, kind: str | None
) -> None:
    for client in ("httpx", "aiohttp", "urllib3"):
        assert clients.classify(client, exc) == kind


def test_summary_counts_every_kind_and_the_rate() -> None:
    results = [
        as_result(attempt().failure(clients.TooLarge())),
        as_result(fetcher.invalid("x")),
        as_result(fetcher.invalid("y")),
    ]
    s = fetcher.summarize(results, 0.5)
    assert s.counts == {
        "ok": 0,
        "invalid-url": 2,
        "connect": 0,
        "timeout": 0,
        "http": 0,
        "protocol": 0,
        "too-large": 1,
    }
    assert s.req_per_s == 6.0
    assert s.line().startswith("3 URLs in 0.50 s, 6 req/s: ok 0, invalid-url 2")


def test_work_hands_each_url_out_once_and_gives_results_in_input_order() -> None:
    urls = [f"http://h/{i}" for i in range(5)]
    work = fetcher.Work(urls)
    assert work.workers(100) == 5
    assert work.workers(2) == 2
    taken = []
    while (job := work.take()) is not None:
        taken.append(job)
    assert taken == list(enumerate(urls))
    for index, url in reversed(taken):  # finished out of order
        work.put(index, fetcher.invalid(url))
    assert [r.url for r in work.results()] == urls


def test_work_files_an_invalid_url_itself_and_hands_out_only_the_valid_ones() -> None:
    urls = ["http://h/0", "not a url", "ftp://h/2", "http://h/3"]
    work = fetcher.Work(urls)
    assert work.take() == (0, "http://h/0")
    assert work.take() == (3, "http://h/3")  # 1 and 2 filed on the way, no network touched
    assert work.take() is None
    work.put(0, fetcher.invalid("http://h/0"))
    work.put(3, fetcher.invalid("http://h/3"))
    got = work.results()
    assert [(r.url, r.status, r.error) for r in got[1:3]] == [
        ("not a url", None, "invalid-url"),
        ("ftp://h/2", None, "invalid-url"),
    ]


def test_work_stopped_hands_out_nothing_more_and_a_missing_result_is_an_error() -> None:
    work = fetcher.Work(["http://h/0", "http://h/1"])
    assert work.take() == (0, "http://h/0")
    work.stop()
    assert work.take() is None
    work.put(0, fetcher.invalid("http://h/0"))
    with pytest.raises(RuntimeError, match="1 URLs have no result, the first #1"):
        work.results()
