"""The four HTTP clients, written once: the same knobs for each, and their errors by kind.

Read with shared/scenarios/fetcher.py, whose :class:`~shared.scenarios.fetcher.Attempt` uses
:func:`classify`, and the model files, which build their clients from the ``*_options``:

- :func:`classify` maps what each client library raises to one of ``spec.ERROR_KINDS``;
- ``*_options`` give every client the same knobs: a pool of ``concurrency`` connections with
  keep-alive, the run's timeout, no redirects followed, no retries, no proxy from the
  environment, the body as it came off the wire.

Client libraries are imported inside the functions for that client only: the thread worker
must never import gevent (``geventhttpclient`` would), and nothing here may import a model.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from http.client import HTTPException
from typing import Any, Protocol

from shared.spec import ErrorKind

#: how much a client is asked to read at a time, where it lets us say
CHUNK_BYTES = 64 * 1024


class Plan(Protocol):
    """What the knobs read of a run (``shared.scenarios.fetcher.Plan``)."""

    model: str
    concurrency: int
    timeout: float


class DeadlineExceeded(Exception):
    """A request's own deadline passed (raised by the model's timer, not by a client)."""


class TooLarge(Exception):
    """The body grew past ``max_bytes``; the rest is left unread."""


# --- exception -> error kind ------------------------------------------------------------------

#: first match wins; checked after the client's own table
_GENERIC: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (DeadlineExceeded, "timeout"),
    (TooLarge, "too-large"),
    (TimeoutError, "timeout"),  # socket.timeout and asyncio.TimeoutError are TimeoutError
    (ConnectionRefusedError, "connect"),
    (socket.gaierror, "connect"),
    (ConnectionError, "protocol"),  # reset, aborted or broken pipe while talking
    (HTTPException, "protocol"),
    (EOFError, "protocol"),
)

#: errno of an OSError that means no connection could be made
_CONNECT_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL}
)


def _httpx_table() -> tuple[tuple[type[BaseException], ErrorKind], ...]:
    import httpx

    return (
        (httpx.TimeoutException, "timeout"),  # connect, read, write and pool timeouts
        (httpx.ConnectError, "connect"),
        (httpx.RemoteProtocolError, "protocol"),  # malformed, truncated, closed early
        (httpx.ReadError, "protocol"),  # reset while reading
        (httpx.WriteError, "protocol"),
        (httpx.DecodingError, "protocol"),
        (httpx.InvalidURL, "invalid-url"),
        (httpx.UnsupportedProtocol, "invalid-url"),
        (httpx.TransportError, "protocol"),
    )


def _aiohttp_table() -> tuple[tuple[type[BaseException], ErrorKind], ...]:
    import aiohttp

    return (
        (aiohttp.ConnectionTimeoutError, "timeout"),
        (aiohttp.ServerTimeoutError, "timeout"),
        (aiohttp.ClientConnectorError, "connect"),  # refused, unreachable, DNS
        (aiohttp.ServerDisconnectedError, "protocol"),  # closed before the response
        (aiohttp.ClientPayloadError, "protocol"),  # truncated body
        (aiohttp.ClientResponseError, "protocol"),  # a response that is not HTTP
        (aiohttp.InvalidURL, "invalid-url"),
        (aiohttp.ClientError, "protocol"),
    )


def _urllib3_table() -> tuple[tuple[type[BaseException], ErrorKind], ...]:
    from urllib3 import exceptions as e

    return (
        # NewConnectionError subclasses ConnectTimeoutError (history): test it first
        (e.NewConnectionError, "connect"),
        (e.TimeoutError, "timeout"),  # connect and read timeouts
        (e.LocationParseError, "invalid-url"),
        (e.ProtocolError, "protocol"),  # reset, closed early, bad status line
        (e.HTTPError, "protocol"),
    )


def _geventhttpclient_table() -> tuple[tuple[type[BaseException], ErrorKind], ...]:
    from geventhttpclient.response import HTTPParseError

    # connect failures and timeouts are plain socket errors: the generic table has them
    return ((HTTPParseError, "protocol"),)


_TABLES: dict[str, Callable[[], tuple[tuple[type[BaseException], ErrorKind], ...]]] = {
    "httpx": _httpx_table,
    "aiohttp": _aiohttp_table,
    "urllib3": _urllib3_table,
    "geventhttpclient": _geventhttpclient_table,
}
_table_cache: dict[str, tuple[tuple[type[BaseException], ErrorKind], ...]] = {}


def classify(client: str, exc: BaseException) -> ErrorKind | None:
    """The error kind of ``exc`` raised while fetching with ``client``; None if it is a bug."""
    table = _table_cache.get(client)
    if table is None:
        table = _table_cache[client] = _TABLES[client]() + _GENERIC
    reason = getattr(exc, "reason", None)  # urllib3's MaxRetryError wraps the real error
    if type(exc).__name__ == "MaxRetryError" and isinstance(reason, BaseException):
        return classify(client, reason)
    for exc_type, kind in table:
        if isinstance(exc, exc_type):
            return kind
    if isinstance(exc, OSError):
        return "connect" if exc.errno in _CONNECT_ERRNOS else "protocol"
    return None


# --- the same knobs for every client ----------------------------------------------------------
# Pools hold `concurrency` connections: the model's own cap is the only cap. A request's one
# timer is its model's deadline: gevent.Timeout and asyncio.timeout interrupt a request
# wherever it waits, so those clients get no timeout of their own (each would be one more
# timer per request, or per socket wait); a blocked thread cannot be interrupted, so a thread
# client's every blocking call is given the run's timeout (impls/thread_impl/deadline.py).

#: the models whose per-request deadline interrupts a wait in any client call
DEADLINE_INTERRUPTS = frozenset({"gevent", "asyncio"})


def client_timeout(p: Plan) -> float | None:
    """The timeout a client of this run applies to each of its own blocking calls."""
    return None if p.model in DEADLINE_INTERRUPTS else p.timeout


def httpx_options(p: Plan) -> dict[str, Any]:
    """``httpx.Client(**...)`` / ``httpx.AsyncClient(**...)``.

    The pool timeout cannot fire spuriously: with at most ``concurrency`` requests in flight
    and ``concurrency`` connections, no request ever waits for one.
    """
    import httpx

    return {
        "limits": httpx.Limits(
            max_connections=p.concurrency, max_keepalive_connections=p.concurrency
        ),
        "timeout": httpx.Timeout(client_timeout(p)),  # connect, read, write, pool
        "follow_redirects": False,
        "trust_env": False,
    }


def aiohttp_options(p: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(TCPConnector(**a), ClientSession(**b))``: no timeout of aiohttp's own (its default
    would start a 5-minute timer per request), asyncio.timeout is the deadline."""
    import aiohttp

    t = client_timeout(p)
    connector = {"limit": p.concurrency, "limit_per_host": p.concurrency}
    session = {
        "timeout": aiohttp.ClientTimeout(total=t, connect=t, sock_connect=t, sock_read=t),
        "auto_decompress": False,
        "trust_env": False,
        "raise_for_status": False,
    }
    return connector, session


def aiohttp_session(p: Plan) -> Any:
    """The run's ``aiohttp.ClientSession`` (call it inside the loop that will use it)."""
    import aiohttp

    connector, options = aiohttp_options(p)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(**connector), **options)
    # aiohttp resends a GET once when its connection drops, with no public switch
    # (aio-libs/aiohttp#10790); its own test client turns it off the same way
    session._retry_connection = False
    return session


def urllib3_options(p: Plan) -> dict[str, Any]:
    """``urllib3.PoolManager(**...)``: one pool per host, each of ``concurrency`` connections."""
    import urllib3

    t = client_timeout(p)
    return {
        "maxsize": p.concurrency,
        "block": True,  # never open a connection the pool cannot keep ("pool is full" churn)
        "retries": False,  # no retry, no redirect: the first error is the answer
        "timeout": urllib3.Timeout(connect=t, read=t),  # each connect and each read
    }


def geventhttpclient_options(p: Plan) -> dict[str, Any]:
    """``HTTPClient.from_url(url, **...)``: one client per host, ``concurrency`` connections."""
    return {
        "concurrency": p.concurrency,
        "connection_timeout": client_timeout(p),
        "network_timeout": client_timeout(p),
        "block_size": CHUNK_BYTES,
    }
