"""The local test server: aiohttp on uvloop, in a process of its own, on 127.0.0.1 only.

    python -m shared.harness.server --port 0        # prints its URL as the first line of stdout
    python -m shared.harness.server --processes 3 --ports 2   # one URL a line, one per port

One process by default. With ``--processes N`` it forks N - 1 more before any event loop
exists, and every process runs a loop of its own on sockets of its own, bound to the same
ports with ``SO_REUSEPORT``: the kernel spreads the connections between them. With
``--ports M`` every process listens on M ports: one client address can hold only about as many
connections to one server port as the ephemeral port range has ports.

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
- ``/stats``           JSON ``{"inflight", "peak", "count", "pid", "pids", "served_by"}``:
                       requests in flight now, the most ever in flight and requests started
                       since the last reset, over every process of the server; its pid, every
                       process's pid, and the pid of the process that answered
- ``/stats/reset``     zeroes ``peak`` and ``count`` (``inflight`` is what it is)
- ``/stats/release``   answers every ``/delay`` now in flight at once, in every process (within
                       ``server_procs.RELEASE_POLL_S``): a run that holds requests open ends when it
                       has counted them, not when their delay ends

``/stats`` and its sub-routes are not counted themselves. Anything else is a 404.

How ``/stats`` stays right across processes: the counters live in one anonymous shared memory
map, created before the fork, and every change to them happens under one lock shared by the
processes. ``peak`` is compared with ``inflight`` at the moment the sum changes, so it is the
peak of the sum, not a sum of each process's peak (which would count requests that were never
in flight at the same time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from shared.harness import proc
from shared.harness.server_procs import Delays, Stats, add_scale_options, check_scale_options

HOST = "127.0.0.1"
MAX_DELAY_MS = 60_000
MAX_BYTES = 256 * 1024 * 1024
_CHUNK = b"x" * (1 << 20)


#: how long the server waits for its forked processes to listen
READY_TIMEOUT_S = 20.0


STATS = web.AppKey("stats", Stats)
DELAYS = web.AppKey("delays", Delays)


@web.middleware
async def count_inflight(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path.startswith("/stats"):
        return await handler(request)
    stats = request.app[STATS]
    stats.started()
    try:
        return await handler(request)
    finally:
        stats.ended()


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
        await request.app[DELAYS].wait(ms / 1000)
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
    request.app[STATS].reset()
    return web.json_response(request.app[STATS].as_dict())


async def stats_release(request: web.Request) -> web.Response:
    request.app[STATS].release()  # the other processes see it within RELEASE_POLL_S
    request.app[DELAYS].release()
    return web.json_response(request.app[STATS].as_dict())


def make_app(counters: Stats | None = None) -> web.Application:
    """The routes; ``counters``: those the server's processes share (one process: its own)."""
    app = web.Application(middlewares=[count_inflight])
    app[STATS] = counters or Stats()
    app[DELAYS] = Delays()
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
    app.router.add_get("/stats/release", stats_release)
    return app


def _listen(ports: list[int], *, shared: bool) -> list[socket.socket]:
    """One listening socket per port (0: a free one); ``shared``: ``SO_REUSEPORT``, so that
    every process of the server binds the same ports."""
    socks = []
    try:
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if shared:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((HOST, port))
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


async def _serve(socks: list[socket.socket], stats: Stats, ready: Callable[[], None]) -> None:
    runner = web.AppRunner(make_app(stats), access_log=None, handle_signals=False)
    await runner.setup()
    for sock in socks:
        # a deep backlog: a 1000-connection burst must queue, not be refused
        site = web.SockSite(runner, sock, backlog=4096, shutdown_timeout=0.5)
        await site.start()
    watcher = None
    if len(stats.pids) > 1:
        watcher = asyncio.create_task(runner.app[DELAYS].watch(stats))
    ready()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await runner.cleanup()


def _run_loop(socks: list[socket.socket], stats: Stats, ready: Callable[[], None]) -> None:
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_serve(socks, stats, ready))


def _fork(index: int, ports: list[int], inherited: list[socket.socket], stats: Stats) -> int:
    """Fork the server's process number ``index``; return its pid once it listens."""
    ready_r, ready_w = os.pipe()
    main_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the new process: sockets of its own on the same ports, a loop of its own
        code = 1
        try:
            os.close(ready_r)
            proc.die_with(main_pid)
            for sock in inherited:
                sock.close()
            socks = _listen(ports, shared=True)
            _run_loop(socks, stats, lambda: os.write(ready_w, b"+"))
            code = 0
        except BaseException:
            traceback.print_exc()  # the parent raises an OSError without the cause
        finally:
            os._exit(code)
    os.close(ready_w)
    try:
        ready, _, _ = select.select([ready_r], [], [], READY_TIMEOUT_S)
        if not ready or os.read(ready_r, 1) != b"+":
            _stop_forked([pid])
            raise OSError(f"server process {index + 1} did not start listening")
    finally:
        os.close(ready_r)
    stats.set_pid(index, pid)
    return pid


def _stop_forked(pids: list[int], grace_s: float = 2.0) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + grace_s
    for pid in pids:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() >= end:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.01)


def serve(port: int = 0, processes: int = 1, ports: int = 1) -> None:
    """Listen on ``ports`` ports (from ``port`` on, or free ones) in ``processes`` processes,
    print one URL a line, and serve until SIGINT or SIGTERM; OSError if it cannot listen."""
    socks = _listen([port + i if port else 0 for i in range(ports)], shared=processes > 1)
    bound = [sock.getsockname()[1] for sock in socks]
    stats = Stats(processes)
    forked: list[int] = []
    try:
        for index in range(1, processes):
            forked.append(_fork(index, bound, socks, stats))

        def announce() -> None:
            print("\n".join(f"http://{HOST}:{p}" for p in bound), flush=True)

        _run_loop(socks, stats, announce)
    finally:
        _stop_forked(forked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.harness.server",
        description="Run the switchbench test server on 127.0.0.1 until Ctrl-C or SIGTERM.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default)"
    )
    add_scale_options(parser)
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be in 0..65535, got {args.port}")
    problem = check_scale_options(args.port, args.processes, args.ports)
    if problem:
        parser.error(problem)
    if os.environ.get("SWITCHBENCH_PARENT_PID"):
        proc.die_with_parent()
    try:
        serve(args.port, args.processes, args.ports)
    except OSError as e:
        where = f"{HOST}:{args.port}" + (f" (+{args.ports - 1} ports)" if args.ports > 1 else "")
        print(f"switchbench serve: cannot listen on {where}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


class ServerProcess:
    """The test server in a child process, for tests and benchmarks.

    ``with ServerProcess() as srv: srv.url, srv.pid, srv.stats(), srv.reset(), srv.wait_idle()``;
    ``ServerProcess(processes=3, ports=2)``: ``srv.urls`` (one per port), ``srv.pids`` (every
    process, for a CPU meter), ``srv.release()``.
    """

    def __init__(
        self,
        port: int = 0,
        start_timeout_s: float = 20.0,
        *,
        processes: int = 1,
        ports: int = 1,
    ) -> None:
        problem = check_scale_options(port, processes, ports)
        if problem:
            raise ValueError(problem)
        self.port = port
        self.processes = processes
        self.ports = ports
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self.urls: list[str] = []
        self.pids: list[int] = []
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def __enter__(self) -> ServerProcess:
        args = ["-m", "shared.harness.server", "--port", str(self.port)]
        args += ["--processes", str(self.processes), "--ports", str(self.ports)]
        self._proc = proc.spawn(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        try:
            self.urls = self._read_urls()
            self.url = self.urls[0]
            self.pids = self.stats()["pids"]
        except BaseException:
            self.__exit__()
            raise
        return self

    def _read_urls(self) -> list[str]:
        """The first ``ports`` lines of the server's stdout: its URLs."""
        assert self._proc is not None
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        out = b""
        end = time.monotonic() + self.start_timeout_s
        while out.count(b"\n") < self.ports:
            ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                break
            out += chunk
        urls = out.decode().split()
        if len(urls) < self.ports or not all(u.startswith("http://") for u in urls):
            raise RuntimeError(f"test server did not start (first lines: {out[:200]!r})")
        return urls

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

    def stats(self) -> dict[str, Any]:
        return self.get("/stats")

    def reset(self) -> dict[str, Any]:
        return self.get("/stats/reset")

    def release(self) -> dict[str, Any]:
        """Answer every ``/delay`` in flight now, in every process (see ``/stats/release``)."""
        return self.get("/stats/release")

    def wait_idle(self, within_s: float = 5.0) -> bool:
        """Wait until nothing is in flight (a request its client gave up on runs on here);
        True if it got there within ``within_s``."""
        end = time.monotonic() + within_s
        while self.stats()["inflight"]:
            if time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
