"""What the tests share besides fixtures: running our own Python in a child process.

A test that runs ``python -m ...`` or a script does it the way a user would, from the
repository root with the repository on ``PYTHONPATH`` (``proc.child_env``), whatever
directory pytest was started from. :func:`run_python` runs a child to its end;
:func:`start_python` leaves it running, for a test that signals it or reads it as it goes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import IO, Any

from shared.harness.proc import ROOT, child_env

__all__ = ["ROOT", "run_python", "start_python"]


def run_python(
    args: Sequence[str],
    *,
    stdin: str | None = None,
    timeout: float = 60.0,
    stderr: int | IO[Any] = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    """``python args...`` to its end: stdout (and stderr, unless sent elsewhere) captured as
    text; the exit code is the caller's to check. A child still running after ``timeout``
    seconds is killed and ``subprocess.TimeoutExpired`` raised: nothing hangs."""
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args],
        cwd=ROOT,
        env=child_env(),
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_python(args: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
    """``python args...`` left running, text mode unless ``text=False``; ``popen`` as for
    ``subprocess.Popen`` (``stdout=subprocess.PIPE``...). The caller stops and reaps it."""
    popen.setdefault("text", True)
    return subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, *args], cwd=ROOT, env=child_env(), **popen
    )
