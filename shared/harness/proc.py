"""Child processes that never outlive the process that started them.

Used by the model workers and the test server. ``subprocess`` imports ``threading``, so a
gevent worker must import this module only after ``monkey.patch_all()`` (its ``__main__``
does).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: the repository root (this file is shared/harness/proc.py): children run from it, with it
#: first on sys.path, whatever the caller's cwd, so they import this checkout's code
ROOT = Path(__file__).resolve().parents[2]

_PR_SET_PDEATHSIG = 1

#: glibc's malloc settings for every child (the environment's own values win). asyncio's
#: selector loop reads each socket into a fresh 256 KiB buffer. glibc serves it with mmap (a
#: page fault and two system calls a read) or from the heap's top, which it gives back to the
#: OS after the read and takes again for the next, depending on a threshold it moves as the
#: process runs and on where its live objects sit: the same asyncio fetch measured 47 or 60 us
#: of CPU per request from one process to the next, and 0.89 or 0.69 of its bare client.
#: Fixed thresholds make every process take the same path: buffers under 1 MiB come from the
#: heap, which keeps up to 4 MiB free at its top. Every worker and the server get the same.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 20), "MALLOC_TRIM_THRESHOLD_": str(4 << 20)}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    for name, value in MALLOC_ENV.items():
        env.setdefault(name, value)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def spawn(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Start ``python args...`` from the repo root in a process group of its own.

    Its own group keeps a terminal's Ctrl-C away from it: the parent gets the
    KeyboardInterrupt and shuts the child down in order. The child is told our pid so that
    it can ask the kernel to kill it when we die (see :func:`die_with_parent`).
    """
    env = child_env()
    env["SWITCHBENCH_PARENT_PID"] = str(os.getpid())
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        process_group=0,
        **kwargs,  # type: ignore[arg-type]
    )


def die_with_parent() -> None:
    """In a child: get SIGKILL when the parent dies, even by SIGKILL.

    Linux only (prctl PR_SET_PDEATHSIG); elsewhere the child still exits when its request
    pipe closes. Closes the race where the parent died before we got here.
    """
    parent = os.environ.get("SWITCHBENCH_PARENT_PID")
    _kill_me_when_parent_dies()
    if parent is not None and os.getppid() != int(parent):
        os._exit(1)


def interruptible() -> None:
    """In a worker: SIGINT raises KeyboardInterrupt, as in any Python program, even where the
    parent ignored it. A command started with ``&`` from a script (no job control) inherits
    SIGINT ignored, Python then leaves it ignored, and every model's Ctrl-C handling would go
    untested and unused (seen: the six Ctrl-C tests failing under ``.ci/run &``). The workers
    sit in a process group of their own: only a signal sent to them on purpose reaches them."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def die_with(parent: int) -> None:
    """In a child forked by ``parent`` (not started by :func:`spawn`): get SIGKILL when it
    dies. The kernel clears the request at ``fork()``, so each forked child asks again."""
    _kill_me_when_parent_dies()
    if os.getppid() != parent:
        os._exit(1)


def _kill_me_when_parent_dies() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def exited(proc: subprocess.Popen[bytes], within_s: float) -> bool:
    """Wait up to ``within_s`` for a child to exit; True if it did.

    Polls rather than ``wait(timeout)``: in a gevent-patched process, a child that exits
    just as ``wait(timeout)`` starts is reaped by gevent's SIGCHLD watcher without the wait
    hearing of it, which then runs to its full timeout (seen with gevent 26.9).
    """
    end = time.monotonic() + within_s
    while proc.poll() is None:
        if time.monotonic() >= end:
            return False
        time.sleep(0.005)
    return True


def stop(proc: subprocess.Popen[bytes], grace_s: float = 2.0) -> None:
    """Terminate a child we started, then kill it if it lingers; always reap it."""
    if proc.poll() is None:
        proc.terminate()
        if not exited(proc, grace_s):
            proc.kill()
    proc.wait()
