"""The stand-in for a C driver: :func:`blocking_call`, a call that blocks inside C.

It calls libc's ``usleep`` through ``ctypes``. That makes it behave like a database driver's
query or any C extension's blocking call, in the three ways that matter here:

- **It releases the GIL.** ``ctypes`` drops it around every foreign call, as a well-behaved
  C extension does, so other *threads* run while it sleeps.
- **No scheduler can interrupt it.** An event loop or gevent's hub runs in the very thread
  the call holds, and Python delivers an exception (a ``Task.cancel``, a ``gevent.Timeout``,
  a ``Greenlet.kill``) only between bytecodes: after the C call has returned.
- **Monkey-patching cannot reach it.** ``monkey.patch_all()`` swaps Python modules
  (``socket``, ``time``, ``threading``, ...); a C library calls the C library. A real driver
  behaves the same: psycopg2 blocks gevent's hub unless psycogreen installs a wait callback.

Used by the ``cancel``, ``blocking`` and ``c-block`` scenarios in every model.
"""

from __future__ import annotations

import ctypes
import time

#: POSIX ``usleep`` takes less than a second per call
MAX_MS = 999.0

_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.usleep.argtypes = (ctypes.c_uint,)


def blocking_call(ms: float) -> None:
    """Block this thread in C for at least ``ms`` milliseconds (0 <= ms <= 999).

    A signal may end ``usleep`` early; the rest is slept again, so the call never returns
    before its time (the scenarios compare times with it).
    """
    if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 <= ms <= MAX_MS:
        raise ValueError(f"blocking_call takes 0..{MAX_MS:g} ms, got {ms!r}")
    end = time.monotonic() + ms / 1000
    while (left := end - time.monotonic()) > 0:
        _LIBC.usleep(max(1, round(left * 1_000_000)))
