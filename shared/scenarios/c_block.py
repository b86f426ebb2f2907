"""Ten C calls at once: every part of ``impls/<model>_impl/c_block.py`` that is not
scheduling.

``CALLS`` tasks each call :func:`~shared.scenarios.cdriver.blocking_call` for ``CALL_MS``:

- ``serial_ms``: the calls one after the other, no tasks (the baseline);
- ``blocked_wall_ms``: with the model's plain concurrency (asyncio tasks, greenlets,
  threads). A coroutine calling C holds its loop or hub for the whole call, so the calls
  run one after the other: about ``serial_ms``. Threads overlap them: the call releases
  the GIL;
- ``offloaded_wall_ms``: offloaded the model's way: ``asyncio.to_thread`` (the loop's
  default executor, sized to the calls), gevent's ``get_hub().threadpool`` (sized to the
  calls). Threads need no offload: the same pool, measured again;
- ``python_wait_wall_ms``: the same waits with the model's own sleep (``asyncio.sleep``,
  ``time.sleep`` patched by gevent, ``time.sleep`` in threads): all overlap.

``monkey.patch_all()`` swaps Python's own modules (``socket``, ``ssl``, ``select``,
``time``, ``threading``, ``os``, ``subprocess``, ``signal``, ...) for cooperative ones. It does
not reach into a C extension: a driver that does its I/O in C (psycopg2 without
psycogreen, mysqlclient, a gRPC core, ...) blocks the hub exactly as ``blocking_call`` does,
and needs the threadpool, or a green driver.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from shared.scenarios import probe
from shared.scenarios.cdriver import blocking_call

NAME = "c-block"
CALLS = 10
CALL_MS = 50.0

PLAIN = {
    "gevent": "gevent.spawn (monkey-patched)",
    "asyncio": "TaskGroup tasks",
    "thread": "ThreadPoolExecutor",
}
OFFLOAD = {
    "gevent": "gevent.get_hub().threadpool",
    "asyncio": "asyncio.to_thread",
    "thread": "none needed (the same thread pool)",
}
PATCH_NOTE = (
    "monkey.patch_all() reaches Python's socket, ssl, select, time, threading, os and "
    "subprocess; not a C extension's own calls (psycopg2 without psycogreen blocks the same way)"
)


def serial(calls: int = CALLS, call_ms: float = CALL_MS) -> float:
    """Milliseconds for the calls one after the other, no tasks."""
    clock = probe.Clock().start()
    for _ in range(calls):
        blocking_call(call_ms)
    return clock.ms()


def outcome(
    model: str,
    calls: int,
    call_ms: float,
    plain: Callable[[int, float], float],
    offloaded: Callable[[int, float], float],
    python_waits: Callable[[int, float], float],
) -> dict[str, Any]:
    """Run the serial baseline and the model's three ways (each returns its wall ms); the
    scenario's result (checked against the contract), printed as a readable run."""
    result = probe.checked(
        NAME,
        {
            "calls": calls,
            "call_ms": float(call_ms),
            "serial_ms": probe.ms(serial(calls, call_ms)),
            "blocked_wall_ms": probe.ms(plain(calls, call_ms)),
            "offloaded_wall_ms": probe.ms(offloaded(calls, call_ms)),
            "python_wait_wall_ms": probe.ms(python_waits(calls, call_ms)),
            "plain": PLAIN[model],
            "offload": OFFLOAD[model],
        },
    )
    show(model, result)
    return result


def show(model: str, result: dict[str, Any]) -> None:
    say = probe.say
    serial_ms = result["serial_ms"]

    def wall(key: str) -> str:
        return f"{result[key]:.1f} ms ({result[key] / serial_ms:.2f} x serial)"

    say(
        f"{model}: {result['calls']} tasks each call C (blocking_call) for "
        f"{result['call_ms']:g} ms; serial: {serial_ms:.1f} ms"
    )
    say(f"  plain concurrency ({result['plain']}): {wall('blocked_wall_ms')}")
    say(f"  offloaded ({result['offload']}): {wall('offloaded_wall_ms')}")
    say(f"  the same waits as the model's own sleep: {wall('python_wait_wall_ms')}")
    if model == "gevent":
        say(f"  {PATCH_NOTE}")


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.c_block [--json]``."""
    return probe.demo_args(NAME, model, argv)


def demo(model: str, args: argparse.Namespace, run: Callable[..., dict[str, Any]]) -> None:
    """What ``python -m impls.<model>_impl.c_block`` does: the readable run, then (``--json``)
    the result as one line."""
    probe.demo(NAME, model, args, run)
