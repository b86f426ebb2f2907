"""Capacity: how many requests a model keeps in flight at once, and what stops it going further.

One *step* holds ``n`` requests to ``/delay/{long}`` open at once: ``n`` long-lived workers in
the model's client processes (its streamed fetch, ``fetcher.fetch_stream``, with
``concurrency`` = the process's share of ``n``), counted at the server (``/stats``: the peak
of the sum over its processes). A request that fails comes back at once and is counted by
kind. Once the server holds all ``n`` (or the step's time is up) the client RSS is read and
the step ends: its client processes are killed, which closes their sockets, and the server
answers its delays (``/stats/release``). Nothing is left running: each step starts and stops
its own server and client processes, and ``long`` bounds every request anyway.

How many processes and ports a step needs is read from this machine's limits at run time,
never written down (:func:`plan`):

- the open-file limit of a process (``RLIMIT_NOFILE``): each connection is one descriptor in
  a client process and one in a server process, so both sides get as many processes as
  ``n`` needs (servers with room to spare: ``SO_REUSEPORT`` spreads connections at random);
- the ephemeral port range (``/proc/sys/net/ipv4/ip_local_port_range``): one client address
  opens at most about that many connections to one server address and port, so the server
  listens on as many ports as ``n`` needs and each client process uses one of them;
- threads (the thread model holds one per request in flight): ``shared.scenarios.switching
  .thread_room``, checked before anything starts: a step that does not fit is refused with
  the limit it hit, instead of dying;
- the machine's open files, tracked connections and memory, checked the same way.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared import spec
from shared.bench import machine
from shared.scenarios import switching

#: the steps, the tutorial's 50,000 last
STEPS: tuple[int, ...] = (1_000, 10_000, 20_000, 50_000)
#: the steps of a default run and of a --quick one; --capacity-full runs them all
SHORT_STEPS: tuple[int, ...] = (1_000, 10_000)
QUICK_STEPS: tuple[int, ...] = (1_000,)


def steps_in_run(full: bool, quick: bool) -> tuple[int, ...]:
    """The steps a run takes: all with --capacity-full, else the short ones, else (--quick)
    the first."""
    return STEPS if full else QUICK_STEPS if quick else SHORT_STEPS


FULL_OPTION = "--capacity-full"

#: descriptors a process keeps for everything but its connections (pipes, files, libraries)
FD_RESERVE = 256
#: a server process is given at most this share of its room: the kernel spreads connections
#: between the processes at random, never exactly evenly
SERVER_FILL = 0.8
#: a client process opens at most this share of the port range to one server port (the rest
#: of the machine uses ports too)
PORT_FILL = 0.8
#: an upper bound on the memory one held connection costs, client and server side together
BUDGET_KIB_PER_CONNECTION = 64
#: how long a step may take to reach its ``n``: a base, and more per thousand connections
REACH_BASE_S = 10.0
REACH_PER_1000_S = 0.5
#: a request waits this much longer than the step may take to reach ``n`` (then it ends
#: itself), and a client process this much longer again to hand its results back
HOLD_MARGIN_S = 5.0
RETURN_MARGIN_S = 60.0
#: how often the server's count is read while a step ramps up
POLL_S = 0.1


def reach_s(n: int) -> float:
    """How long a step of ``n`` may take to have them all in flight."""
    return REACH_BASE_S + REACH_PER_1000_S * n / 1000


def hold_ms(n: int) -> int:
    """The ``/delay`` of a step: longer than it may take to reach ``n``."""
    return int((reach_s(n) + HOLD_MARGIN_S) * 1000)


# --- the machine's limits ---------------------------------------------------------------------


def _read(path: str) -> list[int] | None:
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Limits:
    """What bounds a step on this machine, read when it runs."""

    #: open files per process (soft limit; the children inherit it)
    fd_limit: int
    #: the ephemeral port range, inclusive
    port_range: tuple[int, int]
    #: the machine's open files now and its maximum (``/proc/sys/fs/file-nr``), if known
    files: tuple[int, int] | None = None
    #: tracked connections now and the maximum (netfilter), if tracking is loaded
    tracked: tuple[int, int] | None = None

    @property
    def ports(self) -> int:
        return self.port_range[1] - self.port_range[0] + 1

    @property
    def per_process(self) -> int:
        """Connections one process can hold."""
        return max(1, self.fd_limit - FD_RESERVE)

    @property
    def per_port(self) -> int:
        """Connections one client process opens to one server port."""
        return max(1, int(self.ports * PORT_FILL))


def read_limits() -> Limits:
    lo_hi = _read("/proc/sys/net/ipv4/ip_local_port_range") or [32768, 60999]
    files = _read("/proc/sys/fs/file-nr")
    count = _read("/proc/sys/net/netfilter/nf_conntrack_count")
    most = _read("/proc/sys/net/netfilter/nf_conntrack_max")
    return Limits(
        fd_limit=machine.fd_limit(),
        port_range=(lo_hi[0], lo_hi[1]),
        files=(files[0], files[2]) if files and len(files) == 3 else None,
        tracked=(count[0], most[0]) if count and most else None,
    )


# --- a step's plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How a step of ``n`` runs here, or why it cannot (``refusal``)."""

    n: int
    client_processes: int = 0
    server_processes: int = 0
    ports: int = 0
    #: requests per client process; client process i uses server port ``i % ports``
    shares: tuple[int, ...] = ()
    #: which limit set each count, in words
    why: str = ""
    refusal: str | None = None

    def port_of(self, i: int) -> int:
        return i % self.ports


def plan(n: int, model: str, limits: Limits) -> Plan:
    """Processes and ports for ``n`` held requests under ``limits``, or the limit that
    refuses the step (checked before anything starts)."""
    if model == "thread":
        refusal = switching.thread_room(n)
        if refusal:
            return Plan(n, refusal=f"threads (one per request in flight): {refusal}")
    refusal = _machine_room(n, limits)
    if refusal:
        return Plan(n, refusal=refusal)
    ports = math.ceil(n / limits.per_port)
    clients = max(math.ceil(n / limits.per_process), ports)
    shares = tuple(n // clients + (i < n % clients) for i in range(clients))
    on_port = Counter()
    for i, share in enumerate(shares):
        on_port[i % ports] += share
    if max(on_port.values()) > limits.per_port:  # uneven shares: one more port takes it
        ports += 1
    servers = math.ceil(n / (limits.per_process * SERVER_FILL))
    why = (
        f"open files {limits.fd_limit:,} per process: {clients} client and {servers} server "
        f"process(es); ports {limits.port_range[0]}-{limits.port_range[1]} "
        f"({limits.ports:,}, {limits.per_port:,} used per server port): {ports} port(s)"
    )
    return Plan(n, clients, servers, ports, shares, why)


def _machine_room(n: int, limits: Limits) -> str | None:
    """Why the machine cannot take ``n`` more connections (both ends), or None."""
    if limits.files is not None:
        used, most = limits.files
        if used + 2 * n + 2 * FD_RESERVE > most:
            return (
                f"open files: {2 * n:,} more do not fit under fs.file-max {most:,} ({used:,} open)"
            )
    if limits.tracked is not None:
        used, most = limits.tracked
        if used + n > most:
            return f"tracked connections: {n:,} more exceed nf_conntrack_max {most:,} ({used:,})"
    refusal = switching.memory_room(n, BUDGET_KIB_PER_CONNECTION, "connections")
    return None if refusal is None else f"memory: {refusal}"


def next_limit(n: int, model: str, steps: tuple[int, ...], in_run: tuple[int, ...]) -> str:
    """What stops the step after ``n``: the limit that refuses it, or why it is not run."""
    later = [s for s in steps if s > n]
    if not later:
        return f"none: {n:,} is the last step"
    nxt = later[0]
    refusal = plan(nxt, model, read_limits()).refusal
    if refusal:
        return f"{nxt:,}: {refusal}"
    if nxt not in in_run:
        default = ", ".join(f"{s:,}" for s in SHORT_STEPS)
        return f"{nxt:,}: not run (a default run takes {default}; {FULL_OPTION} all)"
    return f"{nxt:,}: no limit known before trying"


# --- one step -------------------------------------------------------------------------------


@dataclass
class Step:
    """What one step did."""

    n: int
    #: the most requests the server had in flight at once (its processes summed)
    held: int = 0
    reached: bool = False
    #: seconds from the first request until the server held ``n`` (None: it never did)
    reach_s: float | None = None
    #: requests that failed before the step ended, by error kind
    errors: dict[str, int] = field(default_factory=dict)
    #: requests answered before the step ended (a held request should not be)
    answered: int = 0
    client_rss_kib: int = 0
    client_rss_before_kib: int = 0
    server_rss_kib: int = 0
    note: str | None = None

    @property
    def rss_kib_per_held(self) -> float | None:
        """The client processes' RSS growth while holding, per held connection."""
        if not self.held:
            return None
        return (self.client_rss_kib - self.client_rss_before_kib) / self.held


def rss_kib(pids: list[int]) -> int:
    """The RSS of some processes, summed."""
    import psutil

    return sum(psutil.Process(p).memory_info().rss for p in pids) // 1024


def run_step(
    p: Plan,
    kind: spec.WorkerKind,
    server: Any,
    workers: list[Any],
    clock: Callable[[], float] = time.monotonic,
) -> Step:
    """Hold ``p.n`` requests in flight with ``workers`` (started and warm, one per share)
    against ``server`` (a started ``ServerProcess`` of ``p.ports`` ports); then end the step.

    Each worker runs the model's streamed fetch (``fetcher.fetch_stream``) with its share as
    its concurrency and its share of URLs, so a request that fails comes back at once, while
    the others are held. The step ends when the server holds ``n`` or its time is up: the
    client processes are killed (the kernel closes their sockets; reading ``n`` answers at
    once is not what is measured here) and the server's delays are released.
    """
    step = Step(p.n)
    pids = [w.pid for w in workers]
    step.client_rss_before_kib = rss_kib(pids)
    long = hold_ms(p.n)
    options = {
        "timeout": long / 1000 + HOLD_MARGIN_S,
        "client": kind.facts.own_client,
        "max_bytes": spec.MAX_BODY_BYTES,
    }
    server.reset()
    calls = []
    for i, (w, share) in enumerate(zip(workers, p.shares, strict=True)):
        call = w.stream("fetcher.fetch_stream", {"concurrency": share, **options})
        url = f"{server.urls[p.port_of(i)]}/delay/{long}"
        call.feed([(j, url) for j in range(share)])
        call.end()
        calls.append(call)
    ended: Counter[str] = Counter()
    t0 = last_poll = clock()
    try:
        while clock() - t0 < reach_s(p.n):
            _exchange(calls, ended)
            if clock() - last_poll >= POLL_S:
                last_poll = clock()
                if server.stats()["inflight"] >= p.n:
                    step.reach_s = last_poll - t0
                    break
    except Exception as e:  # noqa: BLE001 - a client process that failed is the finding
        step.note = f"a client process failed: {type(e).__name__}: {str(e).splitlines()[0]}"
    seen = server.stats()
    step.held, step.reached = seen["peak"], seen["peak"] >= p.n
    step.answered = ended.pop("ok", 0)
    step.errors = dict(ended)
    step.server_rss_kib = rss_kib(server.pids)
    with contextlib.suppress(Exception):  # a client that died has no RSS to read
        step.client_rss_kib = rss_kib(pids)
    for pid in pids:  # the step ends: the kernel closes every socket of the clients
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.release()
    if not step.reached and step.note is None:
        step.note = f"held at most {step.held:,} of {p.n:,} within {reach_s(p.n):.0f} s" + (
            f"; ended early: {step.errors}" if step.errors else ""
        )
    return step


def _exchange(calls: list[Any], ended: Counter[str]) -> None:
    """One ``select`` over the streamed calls: send what they take, count what ended."""
    live = [c for c in calls if not c.done]
    writable = [c.in_fd for c in live if c.wants_write]
    r, w, _ = select.select([c.out_fd for c in live], writable, [], POLL_S)
    by_fd = {c.out_fd: c for c in live} | {c.in_fd: c for c in live}
    for fd in w:
        by_fd[fd].flush()
    for fd in r:
        for _, result in by_fd[fd].receive():
            ended[result.error or "ok"] += 1
