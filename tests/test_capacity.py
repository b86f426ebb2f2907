"""Capacity steps: the plan read from the machine's limits, and one small step run for real."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import psutil
import pytest

from shared import spec
from shared.bench import capacity
from shared.harness import fanout
from shared.harness.fixtures import kind_params
from shared.harness.server import ServerProcess
from shared.scenarios import fetcher

#: this machine's kind of limits: 20,000 open files per process, 28,232 ephemeral ports
TYPICAL = capacity.Limits(fd_limit=20_000, port_range=(32768, 60999))


@pytest.mark.parametrize(
    ("n", "clients", "servers", "ports"),
    [(1_000, 1, 1, 1), (10_000, 1, 1, 1), (20_000, 2, 2, 1), (50_000, 3, 4, 3)],
)
def test_a_step_gets_the_processes_and_ports_the_limits_require(
    n: int, clients: int, servers: int, ports: int
) -> None:
    p = capacity.plan(n, "asyncio", TYPICAL)
    assert p.refusal is None
    assert (p.client_processes, p.server_processes, p.ports) == (clients, servers, ports)
    assert sum(p.shares) == n
    assert max(p.shares) <= TYPICAL.per_process
    per_port = [
        sum(s for i, s in enumerate(p.shares) if p.port_of(i) == port) for port in range(ports)
    ]
    assert max(per_port) <= TYPICAL.per_port
    assert "20,000 per process" in p.why


def test_a_narrow_port_range_spreads_a_step_over_more_ports() -> None:
    narrow = capacity.Limits(fd_limit=20_000, port_range=(40000, 40999))
    p = capacity.plan(10_000, "gevent", narrow)
    assert p.ports >= 13  # 800 connections per port at most
    assert p.client_processes >= p.ports
    loads = [sum(s for i, s in enumerate(p.shares) if p.port_of(i) == k) for k in range(p.ports)]
    assert max(loads) <= narrow.per_port


def test_a_low_open_file_limit_takes_more_processes() -> None:
    p = capacity.plan(10_000, "gevent", capacity.Limits(fd_limit=1_024, port_range=(32768, 60999)))
    assert p.client_processes == 14  # 768 connections each
    assert p.server_processes == 17  # 80 % of 768 each


def test_threads_past_the_machine_room_are_refused_before_anything_starts() -> None:
    p = capacity.plan(50_000, "thread", TYPICAL)
    assert p.client_processes == 0
    assert p.refusal is not None
    assert p.refusal.startswith("threads (one per request in flight):")
    assert "pid_max" in p.refusal


def test_the_machine_open_files_refuse_what_cannot_fit() -> None:
    limits = capacity.Limits(fd_limit=20_000, port_range=(32768, 60999), files=(1_000, 50_000))
    refusal = capacity.plan(30_000, "asyncio", limits).refusal
    assert refusal is not None
    assert "fs.file-max 50,000" in refusal


def test_memory_refuses_connections_that_cannot_fit() -> None:
    refusal = capacity.plan(100_000_000, "gevent", TYPICAL).refusal
    assert refusal is not None
    assert refusal.startswith("memory: 100000000 connections at up to 64 KiB each need")


def test_the_limits_are_read_from_this_machine() -> None:
    limits = capacity.read_limits()
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        assert list(limits.port_range) == [int(x) for x in f.read().split()]
    import resource

    assert limits.fd_limit == resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def test_next_limit_names_the_refusal_or_why_the_next_step_is_not_run() -> None:
    steps = capacity.STEPS
    assert "pid_max" in capacity.next_limit(10_000, "thread", steps, steps)
    short = capacity.next_limit(10_000, "gevent", steps, capacity.SHORT_STEPS)
    assert short == "20,000: not run (a default run takes 1,000, 10,000; --capacity-full all)"
    quick = capacity.next_limit(1_000, "asyncio", steps, capacity.QUICK_STEPS)
    assert quick.startswith("10,000: not run")
    assert capacity.next_limit(50_000, "gevent", steps, steps) == "none: 50,000 is the last step"


def test_the_steps_of_a_run() -> None:
    assert capacity.steps_in_run(full=True, quick=True) == capacity.STEPS
    assert capacity.steps_in_run(full=False, quick=False) == (1_000, 10_000)
    assert capacity.steps_in_run(full=False, quick=True) == (1_000,)


#: a small step over two client processes, two ports and three server processes
SMALL = capacity.Limits(fd_limit=capacity.FD_RESERVE + 100, port_range=(32768, 32768 + 124))


@pytest.mark.parametrize("kind", kind_params(spec.DEFAULT_KINDS))
def test_a_step_holds_every_request_then_leaves_nothing_running(kind: spec.WorkerKind) -> None:
    p = capacity.plan(200, kind.model, SMALL)
    assert (p.client_processes, p.ports, p.server_processes) == (2, 2, 3)
    with (
        ServerProcess(processes=p.server_processes, ports=p.ports) as srv,
        contextlib.ExitStack() as stack,
    ):
        workers = fanout.start(kind, p.client_processes, stack)
        step = capacity.run_step(p, kind, srv, workers)
        assert (step.held, step.reached, step.errors, step.answered) == (200, True, {}, 0)
        assert step.reach_s is not None
        assert step.reach_s < capacity.reach_s(200)
        assert step.rss_kib_per_held is not None
        assert step.rss_kib_per_held > 0
        assert step.note is None
        pids = [w.pid for w in workers]
        assert srv.wait_idle(within_s=5)  # the release answered every held request
    _, alive = psutil.wait_procs([psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)], 5)
    assert alive == []


@dataclass
class _RefusedOnSecondPort:
    """A server whose second port refuses connections (nothing listens there)."""

    real: ServerProcess

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    @property
    def urls(self) -> list[str]:
        return [self.real.url, f"http://127.0.0.1:{fetcher.unused_port()}"]


def test_a_step_that_cannot_reach_its_count_says_how_far_it_got_and_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(capacity, "REACH_BASE_S", 2.0)
    kind = spec.kind_for("asyncio")
    p = capacity.plan(200, kind.model, SMALL)
    with ServerProcess(processes=2) as srv, contextlib.ExitStack() as stack:
        workers = fanout.start(kind, p.client_processes, stack)
        t0 = time.monotonic()
        step = capacity.run_step(p, kind, _RefusedOnSecondPort(srv), workers)
        assert time.monotonic() - t0 < capacity.reach_s(200) + 5
    assert not step.reached
    assert step.held == p.shares[0]
    assert step.errors == {"connect": p.shares[1]}
    assert step.note is not None
    assert f"held at most {p.shares[0]:,} of 200" in step.note
    assert "connect" in step.note
