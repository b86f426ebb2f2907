"""The local test server: aiohttp on uvloop, in a process of its own, on 127.0.0.1 only.

    python -m shared.harness.server --port 0        # prints its URL as the first line of stdout

Every route does the same fixed work whoever calls it, so all models are measured against
the same thing. Routes:

- ``/delay/{ms}``      waits ``ms`` milliseconds (0..60000), then answers ``ok``
- ``/bytes/{n}``       answers ``n`` bytes (0..256 MiB) with a Content-Length
- ``/status/{code}``   answers with that status (200..599)
- ``/redirect/{code}`` answers that 3xx status with ``Location: /delay/0`` (to check that a
                       client does not follow it)
- ``/drip?n=&interval_ms=``  sends ``n`` bytes one at a time, ``interval_ms`` apart (slow body)
- ``/close``           drops the connection before any response (a protocol fault)
- ``/truncated``       promises 1000 bytes, sends 10, drops the connection
- ``/garbage``         answers bytes that are not HTTP, then drops the connection
- ``/stats``           JSON ``{"inflight", "peak", "count", "pid"}``: requests in flight now,
                       the most ever in flight and requests started since the last reset
- ``/stats/reset``     zeroes ``peak`` and ``count`` (``inflight`` is what it is)

``/stats`` and ``/stats/reset`` are not counted themselves. Anything else is a 404.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from shared.harness import proc

HOST = "127.0.0.1"
MAX_DELAY_MS = 60_000
MAX_BYTES = 256 * 1024 * 1024
_CHUNK = b"x" * (1 << 20)


class Stats:
    def __init__(self) -> None:
        self.inflight = 0
        self.peak = 0
        self.count = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "inflight": self.inflight,
            "peak": self.peak,
            "count": self.count,
            "pid": os.getpid(),
        }


STATS = web.AppKey("stats", Stats)


@web.middleware
async def count_inflight(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path.startswith("/stats"):
        return await handler(request)
    stats = request.app[STATS]
    stats.inflight += 1
    stats.count += 1
    stats.peak = max(stats.peak, stats.inflight)
    try:
        return await handler(request)
    finally:
        stats.inflight -= 1


def _int_arg(request: web.Request, name: str, lo: int, hi: int, default: int | None = None) -> int:
    raw = request.match_info.get(name, request.query.get(name))
    if raw is None:
        if default is None:
            raise web.HTTPBadRequest(text=f"missing {name}\n")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be an integer\n") from None
    if not lo <= value <= hi:
        raise web.HTTPBadRequest(text=f"{name} must be in {lo}..{hi}\n")
    return value


async def delay(request: web.Request) -> web.Response:
    ms = _int_arg(request, "ms", 0, MAX_DELAY_MS)
    if ms:
        await asyncio.sleep(ms / 1000)
    return web.Response(body=b"ok")


async def nbytes(request: web.Request) -> web.StreamResponse:
    n = _int_arg(request, "n", 0, MAX_BYTES)
    if n <= len(_CHUNK):
        return web.Response(body=_CHUNK[:n], content_type="application/octet-stream")
    resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    resp.content_length = n
    await resp.prepare(request)
    left = n
    while left:
        part = min(left, len(_CHUNK))
        await resp.write(_CHUNK[:part])
        left -= part
    await resp.write_eof()
    return resp


async def status(request: web.Request) -> web.Response:
    code = _int_arg(request, "code", 200, 599)
    return web.Response(status=code, text=f"status {code}\n")


async def redirect(request: web.Request) -> web.Response:
    code = _int_arg(request, "code", 300, 399)
    return web.Response(status=code, headers={"Location": "/delay/0"}, text=f"status {code}\n")


async def drip(request: web.Request) -> web.StreamResponse:
    n = _int_arg(request, "n", 0, 10_000, default=10)
    interval = _int_arg(request, "interval_ms", 0, MAX_DELAY_MS, default=100)
    resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    resp.content_length = n
    await resp.prepare(request)
    try:
        for _ in range(n):
            await asyncio.sleep(interval / 1000)
            await resp.write(b"x")
        await resp.write_eof()
    except ConnectionResetError:
        pass  # the client gave up (its timeout): nothing to report
    return resp


def _drop(request: web.Request, raw: bytes = b"") -> web.Response:
    transport = request.transport
    if transport is not None:
        if raw:
            transport.write(raw)
        transport.close()
    # the connection is gone; aiohttp notices and sends nothing
    raise asyncio.CancelledError


async def close(request: web.Request) -> web.Response:
    return _drop(request)


async def truncated(request: web.Request) -> web.Response:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n"
    return _drop(request, head + b"0123456789")


async def garbage(request: web.Request) -> web.Response:
    return _drop(request, b"THIS IS NOT HTTP\r\n\x00\x01\x02 at all\r\n\r\n")


async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATS].as_dict())


async def stats_reset(request: web.Request) -> web.Response:
    s = request.app[STATS]
    s.peak = s.inflight
    s.count = 0
    return web.json_response(s.as_dict())


def make_app() -> web.Application:
    app = web.Application(middlewares=[count_inflight])
    app[STATS] = Stats()
    app.router.add_get("/delay/{ms}", delay)
    app.router.add_get("/bytes/{n}", nbytes)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/redirect/{code}", redirect)
    app.router.add_get("/drip", drip)
    app.router.add_get("/close", close)
    app.router.add_get("/truncated", truncated)
    app.router.add_get("/garbage", garbage)
    app.router.add_get("/stats", stats)
    app.router.add_get("/stats/reset", stats_reset)
    return app


async def _serve(port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    runner = web.AppRunner(make_app(), access_log=None, handle_signals=False)
    await runner.setup()
    # a deep backlog: a 1000-connection burst must queue, not be refused
    site = web.SockSite(runner, sock, backlog=4096, shutdown_timeout=0.5)
    await site.start()
    print(f"http://{HOST}:{sock.getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.harness.server",
        description="Run the switchbench test server on 127.0.0.1 until Ctrl-C or SIGTERM.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default)"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be in 0..65535, got {args.port}")
    if os.environ.get("SWITCHBENCH_PARENT_PID"):
        proc.die_with_parent()
    import uvloop

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_serve(args.port))
    except OSError as e:
        print(
            f"switchbench serve: cannot listen on {HOST}:{args.port}: {e.strerror}", file=sys.stderr
        )
        return 1
    return 0


class ServerProcess:
    """The test server in a child process, for tests and benchmarks.

    ``with ServerProcess() as srv: srv.url, srv.pid, srv.stats(), srv.reset(), srv.wait_idle()``.
    """

    def __init__(self, port: int = 0, start_timeout_s: float = 20.0) -> None:
        self.port = port
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def __enter__(self) -> ServerProcess:
        self._proc = proc.spawn(
            ["-m", "shared.harness.server", "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        import select

        ready, _, _ = select.select([self._proc.stdout], [], [], self.start_timeout_s)
        line = self._proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://"):
            proc.stop(self._proc)
            raise RuntimeError(f"test server did not start (first line: {line!r})")
        self.url = line
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            proc.stop(self._proc)
            if self._proc.stdout is not None:
                self._proc.stdout.close()

    def get(self, path: str, timeout_s: float = 10.0) -> Any:
        """GET a JSON route with the standard library (never through a model's client)."""
        import urllib.request

        with urllib.request.urlopen(self.url + path, timeout=timeout_s) as resp:  # noqa: S310
            return json.loads(resp.read())

    def stats(self) -> dict[str, int]:
        return self.get("/stats")

    def reset(self) -> dict[str, int]:
        return self.get("/stats/reset")

    def wait_idle(self, within_s: float = 5.0) -> bool:
        """Wait until nothing is in flight (a request its client gave up on runs on here);
        True if it got there within ``within_s``."""
        import time

        end = time.monotonic() + within_s
        while self.stats()["inflight"]:
            if time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
