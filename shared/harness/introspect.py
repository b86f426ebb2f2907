"""What a worker process really is: called inside workers by the isolation tests.

Reports facts, decides nothing: whether gevent is loaded, what it patched, whether
``threading`` is the real one, which event loop asyncio uses, and the warnings the gevent
worker saw while patching.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def state() -> dict[str, Any]:
    from shared.harness.worker import CHILD_INFO

    facts: dict[str, Any] = {
        "pid": os.getpid(),
        "info": dict(CHILD_INFO),
        "gevent_imported": "gevent" in sys.modules,
        # the checkout each of our packages was imported from
        "source": {
            p: str(Path(sys.modules[p].__file__ or "").parents[1]) for p in ("shared", "impls")
        },
        "patched": {},
    }
    if "gevent" in sys.modules:
        from gevent import monkey

        facts["patched"] = {
            name: monkey.is_module_patched(name)
            for name in ("socket", "ssl", "threading", "time", "select", "os")
        }
    import threading

    # a patched threading's get_ident is gevent's; the real one is the _thread builtin
    facts["threading_real"] = threading.get_ident.__module__ in ("_thread", None) and not (
        facts["patched"].get("threading", False)
    )
    if CHILD_INFO.get("model") == "asyncio":
        from impls.asyncio_impl import runner

        async def loop_type() -> str:
            import asyncio

            return type(asyncio.get_running_loop()).__module__

        facts["loop_module"] = runner.run(loop_type())
    return facts


def sleep(seconds: float) -> None:
    """Block the worker (for deadline and orphan tests)."""
    import time

    time.sleep(seconds)


def fail(message: str) -> None:
    """Raise inside the worker (for error-propagation tests)."""
    raise ValueError(message)


def echo(**kwargs: Any) -> dict[str, Any]:
    print("echo:", sorted(kwargs))
    return kwargs


def crash(code: int = 3) -> None:
    """Die without a reply (for the worker-died test)."""
    os._exit(code)


def unsendable() -> object:
    """Return something JSON cannot carry (for the wire-error test)."""
    return object()


def sigint_handler() -> str:
    """What SIGINT does in this worker: "python" (KeyboardInterrupt), "ignored" or "other"."""
    import signal

    handler = signal.getsignal(signal.SIGINT)
    if handler is signal.default_int_handler:
        return "python"
    return "ignored" if handler == signal.SIG_IGN else "other"


def interrupted_fetch(after_s: float, **fetch_kwargs: Any) -> dict[str, Any]:
    """Ctrl-C in the middle of this worker's ``fetcher.fetch_all``; what did it leave behind?

    A child process sends us SIGINT after ``after_s`` seconds, as a terminal would. Returns
    whether the fetch stopped with KeyboardInterrupt, how long it took to stop, and the live
    threads, greenlets and TCP sockets of this process before the fetch and after it. Run one
    fetch in the worker first: gevent's resolver starts its thread pool on first use and keeps
    it, and that is not a leftover of the interrupted run.
    """
    import importlib
    import signal
    import subprocess
    import time

    from shared.harness.worker import CHILD_INFO

    fetcher = importlib.import_module(f"impls.{CHILD_INFO['model']}_impl.fetcher")
    before = _live_things()
    killer = subprocess.Popen(  # noqa: S603 - fixed arguments
        ["/bin/sh", "-c", f"sleep {after_s}; kill -{signal.SIGINT.value} {os.getpid()}"]
    )
    t0 = time.perf_counter()
    try:
        fetcher.fetch_all(**fetch_kwargs)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    stopped_s = time.perf_counter() - t0
    killer.wait()
    return {
        "interrupted": interrupted,
        "stop_s": stopped_s - after_s,
        "before": before,
        "after": _live_things(),
    }


def _live_things() -> dict[str, Any]:
    import gc
    import threading

    import psutil

    facts: dict[str, Any] = {
        "threads": sorted(
            t.name for t in threading.enumerate() if t is not threading.main_thread()
        ),
        "tcp_sockets": len(psutil.Process().net_connections(kind="tcp")),
        "greenlets": 0,
    }
    if "gevent" in sys.modules:
        # gevent.Greenlet: what gevent.spawn and pools start (the hub, and the thread pool
        # gevent's resolver grows as it needs, are raw greenlets)
        from gevent import Greenlet

        facts["greenlets"] = sum(
            1 for o in gc.get_objects() if isinstance(o, Greenlet) and not o.dead
        )
    return facts


def threads_alive() -> int:
    """How many threads this worker runs (greenlets too, in a patched gevent worker)."""
    import threading

    return threading.active_count()


def limit_address_space(extra_mib: int) -> int:
    """Cap this worker's address space at its current size plus ``extra_mib`` (for the test
    where the OS refuses a thread start: a thread stack reserves 8 MiB). Returns the cap."""
    import resource

    import psutil

    cap = psutil.Process().memory_info().vms + (extra_mib << 20)
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    return cap
