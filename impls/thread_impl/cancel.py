"""Cancel a thread's work: a running thread cannot be killed, only asked to stop.

Read ``shared/scenarios/cancel.py`` first (what is measured, and why), then this file beside
``impls/asyncio_impl/cancel.py`` and ``impls/gevent_impl/cancel.py``.

Python has no call that stops another thread. The cancel here is the cooperative one the
standard library offers: a ``threading.Event`` the thread checks where it can, and shutting
down the socket it waits on so that its blocking ``recv()`` returns.

- ``python_wait``: the thread waits on a socket; the caller, in its own thread, sets the
  flag and shuts the socket down 100 ms in. ``recv()`` returns, the thread sees the flag,
  the ``finally`` closes the socket, done.
- ``c_block``: the thread sits in a 300 ms C call. The caller issues the cancel on time,
  from its own thread; the C call ignores it, and the thread sees the flag only after.
- ``swallowed``: the same stubborn work under ``future.result(timeout=0.1)``: the caller
  gets its ``TimeoutError`` on time, but the thread runs on to its end.

Shape of a run (``python -m impls.thread_impl.cancel``; figures in docs/results)::

    thread: cancel a task 100 ms after it starts (ms from its start)
      A running thread cannot be killed: Python has no call that stops another thread. ...
    (a) waiting on a socket (GET /delay/5000): cancel issued at ~100 ms, stopped right after, ...
    (b) in a C call of ~300 ms (blocking_call): cancel issued at ~100 ms, stopped at ~300 ms, ...
        the cancel was issued during the call, from another thread; the call ignored it
    trap: a bare except around the work, under a 100 ms timeout: the caller saw the timeout ...
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from shared.scenarios import cancel, probe

MODEL = "thread"


def python_wait(url: str, cancel_after_ms: float = cancel.CANCEL_AFTER_MS) -> dict[str, Any]:
    """Cancel a task ``cancel_after_ms`` into its wait for a slow response on a socket."""
    delayed = f"{url}/delay/{cancel.DELAY_MS}"
    return _cancelled(lambda watch, stop: _get(delayed, watch, stop), cancel_after_ms)


def c_block(
    block_ms: float = cancel.BLOCK_MS, cancel_after_ms: float = cancel.CANCEL_AFTER_MS
) -> dict[str, Any]:
    """Cancel a task ``cancel_after_ms`` into a C call of ``block_ms``."""
    return _cancelled(lambda watch, stop: _block(block_ms, watch, stop), cancel_after_ms)


def swallowed(
    timeout_ms: float = cancel.TRAP_TIMEOUT_MS,
    steps: int = cancel.TRAP_STEPS,
    step_ms: float = cancel.TRAP_STEP_MS,
) -> dict[str, Any]:
    """The same stubborn work under a timeout: the caller's wait ends, the thread runs on."""
    trap = cancel.Trap()
    trap.clock.start()

    def stubborn() -> None:
        for _ in range(steps):
            try:
                # blocks this thread; nothing from outside can raise into it
                time.sleep(step_ms / 1000)
            except BaseException:  # noqa: B036 - the same trap: here there is nothing to catch
                trap.swallowed += 1
        trap.work_ended_at_ms = trap.clock.ms()

    with ThreadPoolExecutor(max_workers=1) as pool:
        # run the work in a thread of its own
        future = pool.submit(stubborn)
        try:
            # blocks this thread until the result, or the timeout: only this wait ends
            future.result(timeout=timeout_ms / 1000)
        except TimeoutError:
            trap.timed_out = True
        trap.returned_at_ms = trap.clock.ms()
        # leaving the block waits for the thread: it cannot be killed
    return trap.as_dict()


def run(url: str) -> dict[str, Any]:
    """The demo: both cancels and the trap, printed; the result as ``--json`` shows it."""
    return cancel.outcome(MODEL, python_wait(url), c_block(), swallowed())


@dataclass
class _Stop:
    """The cooperative cancel: a flag the thread checks, and the sockets it waits on."""

    flag: threading.Event = field(default_factory=threading.Event)
    sockets: list[socket.socket] = field(default_factory=list)

    def request(self) -> None:
        self.flag.set()
        for sock in self.sockets:
            # wakes a blocked recv() (close() alone does not); the thread may have closed it
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _cancelled(body: Callable[[cancel.Watch, _Stop], None], cancel_after_ms: float) -> dict:
    watch = cancel.Watch()
    stop = _Stop()

    def task_body() -> None:
        watch.clock.start()
        body(watch, stop)

    with ThreadPoolExecutor(max_workers=1) as pool:
        # run the work in a thread of its own
        future = pool.submit(task_body)
        # blocks this thread for the delay; the other thread runs meanwhile
        time.sleep(cancel_after_ms / 1000)
        cancel_at = watch.clock.ms()
        # cancel: no thread can be killed; ask it to stop, and end the wait it is in
        stop.request()
        # blocks this thread until the work returns, or gives up
        done, _ = wait([future], timeout=cancel.STOP_WAIT_MS / 1000)
        stopped_at = watch.clock.ms() if done else None
        # blocks until its natural end if it did not stop: nothing is left running
        future.result()  # an error of its own (say, no server) is the run's error
    return cancel.attempt(watch, cancel_at, stopped_at)


def _get(url: str, watch: cancel.Watch, stop: _Stop) -> None:
    host, port, request = probe.get_request(url)
    # blocks this thread until connected
    sock = socket.create_connection((host, port), timeout=probe.IO_TIMEOUT_S)
    stop.sockets.append(sock)
    try:
        sock.sendall(request)
        # blocks this thread until the server answers and closes, or the socket is shut down
        while sock.recv(65536):
            pass
        watch.completed = not stop.flag.is_set()
    finally:
        sock.close()
        watch.cleanup_ran = True


def _block(block_ms: float, watch: cancel.Watch, stop: _Stop) -> None:
    try:
        # releases the GIL, but nothing stops this thread until the C call returns
        cancel.hold(watch, block_ms)
        # blocks until the rest of the wait is over, or the flag is set: the first check
        watch.completed = not stop.flag.wait(cancel.REST_MS / 1000)
    finally:
        watch.cleanup_ran = True


if __name__ == "__main__":
    _ARGS = cancel.demo_args(MODEL)
    cancel.demo(MODEL, _ARGS, run)
