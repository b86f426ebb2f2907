"""The machine a run happens on: versions, CPU count, limits, and CPU time as it is used."""

from __future__ import annotations

import os
import platform
import sys
import time
from importlib import metadata
from typing import Any

#: the libraries whose versions every result carries
LIBRARIES = (
    "gevent",
    "greenlet",
    "uvloop",
    "aiohttp",
    "httpx",
    "httpcore",
    "geventhttpclient",
    "urllib3",
    "psutil",
    "pytest-benchmark",
)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def facts() -> dict[str, Any]:
    """What a result says about the machine it ran on."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "implementation": sys.implementation.name,
        "switch_interval_s": sys.getswitchinterval(),
    }


class CpuMeter:
    """CPU seconds some processes used per wall second over a ``with`` block, summed over them
    (1.0 = one core; a server of three processes may reach 3.0); None when one of them is
    gone by the end."""

    def __init__(self, *pids: int) -> None:
        import psutil

        if not pids:
            raise ValueError("CpuMeter needs at least one pid")
        self._procs = [psutil.Process(pid) for pid in pids]
        self._cpu0 = self._wall0 = 0.0
        self.share: float | None = None

    def _cpu(self) -> float:
        return sum(t.user + t.system for t in (p.cpu_times() for p in self._procs))

    def __enter__(self) -> CpuMeter:
        self._cpu0, self._wall0 = self._cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        import psutil

        wall = time.perf_counter() - self._wall0
        try:
            cpu = self._cpu()
        except psutil.NoSuchProcess:  # it was killed (a deadline): its share is unknown
            return
        self.share = (cpu - self._cpu0) / wall if wall > 0 else None


def fd_limit() -> int:
    """This process's soft limit on open files (its children inherit it)."""
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fds_needed(concurrency: int) -> int:
    """Descriptors a client needs for ``concurrency`` connections, with room for the rest."""
    return concurrency + 256
