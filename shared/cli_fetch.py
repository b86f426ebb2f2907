"""``switchbench fetch``: a tool people run on real lists of URLs.

One JSON line per URL on stdout, in input order, each written as soon as it and every one
before it are done; progress and the summary on stderr. The URLs are read lazily (a file, or
``-`` for stdin) and results wait for an earlier one only within a bounded window, so memory
stays flat however long the list (``shared.scenarios.fetch_dispatch``). Ctrl-C or SIGTERM keeps
what is done: the in-order results, then the other completed ones (each marked
``"out_of_order": true``), then the summary with what was not attempted; exit 130 or 143. A
second signal stops at once (the workers die with this process).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from shared import spec
from shared.scenarios import fetcher

#: seconds between two progress lines when stderr is not a terminal
PLAIN_EVERY_S = 3.0
#: progress appears once a run has lasted this long
PROGRESS_AFTER_S = 1.0


class Stopped(Exception):
    """SIGINT or SIGTERM arrived; ``code`` is the exit status (130 or 143)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _on_signal(signum: int, frame: object) -> None:
    # the first signal ends the run in order; a second one ends the process now
    signal.signal(signal.SIGINT, _exit_now)
    signal.signal(signal.SIGTERM, _exit_now)
    raise Stopped(128 + signum)


def _exit_now(signum: int, frame: object) -> None:
    os._exit(128 + signum)


# --- the input ------------------------------------------------------------------------------


def check(args: argparse.Namespace) -> None:
    """``ValueError`` with a one-line reason for arguments no run could honour."""
    spec.check_fetch_args(
        args.model, args.client, args.concurrency, args.timeout, args.max_bytes, args.processes
    )
    if args.loop is not None:
        spec.check_loop(args.loop)
        if args.model != "asyncio":
            raise ValueError(f"--loop applies to --model asyncio only, not {args.model}")
    if args.urls and args.urls_file is not None:
        raise ValueError("give URLs or --urls-file, not both")
    if not args.urls and args.urls_file is None:
        raise ValueError("give URLs or --urls-file")


def _lines(f: TextIO) -> Iterator[str]:
    """One URL a line; blank lines and # comments skipped."""
    for line in f:
        url = line.strip()
        if url and not url.startswith("#"):
            yield url


class Input:
    """The run's URLs, read lazily; ``total`` is known for URL arguments and files."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.name = args.urls_file
        self.total: int | None = None
        self._file: TextIO | None = None
        if self.name is None:
            self._urls: Iterator[str] = iter(args.urls)
            self.total = len(args.urls)
        elif self.name == "-":
            self._urls = _lines(sys.stdin)
        else:
            try:
                with open(self.name, encoding="utf-8") as f:  # counted (and decoded) once first
                    self.total = sum(1 for _ in _lines(f))
                self._file = open(self.name, encoding="utf-8")  # noqa: SIM115 - closed in close()
            except (OSError, UnicodeDecodeError) as e:
                reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                raise ValueError(f"cannot read --urls-file {self.name}: {reason}") from None
            self._urls = _lines(self._file)

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._urls
        except UnicodeDecodeError as e:
            raise ValueError(f"cannot read --urls-file {self.name}: {e}") from None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


# --- progress -------------------------------------------------------------------------------


class Progress:
    """Done (of total, when known), req/s and errors by kind, on stderr: a tqdm bar on a
    terminal, a plain line every few seconds otherwise, nothing with ``--quiet``."""

    def __init__(self, total: int | None, quiet: bool) -> None:
        self.total = total
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self._last_line = self.t0
        self._bar: Any = None
        self._shown = 0
        self._tty = sys.stderr.isatty()

    def show(self, done: int, kinds: dict[str, int]) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if now - self.t0 < PROGRESS_AFTER_S:
            return
        errors = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()) if k != "ok")
        if self._tty:
            if self._bar is None:
                from tqdm import tqdm

                # the terminal's size, 80 x 24 where it reports none (a new pseudo-terminal:
                # tqdm draws nothing in 0 rows)
                cols, rows = shutil.get_terminal_size()
                self._bar = tqdm(
                    total=self.total, unit="url", file=sys.stderr, ncols=cols, nrows=rows
                )
            self._bar.update(done - self._shown)
            self._shown = done
            self._bar.set_postfix_str(f"errors: {errors or 'none'}", refresh=False)
        elif now - self._last_line >= PLAIN_EVERY_S:
            self._last_line = now
            of = f"/{self.total:,}" if self.total is not None else ""
            rate = done / (now - self.t0)
            sys.stderr.write(
                f"switchbench fetch: {done:,}{of} done, {rate:,.0f} req/s, "
                f"errors: {errors or 'none'}\n"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# --- the run --------------------------------------------------------------------------------


def _line(result: spec.FetchResult, **extra: Any) -> str:
    return json.dumps({**result.to_dict(), **extra}) + "\n"


def run(args: argparse.Namespace) -> int:
    """The command: 0 when the run completed, 1 when a worker failed, 2 for bad arguments,
    130/143 after SIGINT/SIGTERM."""
    from shared.harness.worker import RemoteError, WorkerError
    from shared.scenarios.fetch_dispatch import Dispatch

    try:
        check(args)
        source = Input(args)
    except ValueError as e:
        print(f"switchbench fetch: error: {e}", file=sys.stderr)
        return 2
    kind = spec.kind_for(args.model, loop=args.loop)
    progress = Progress(source.total, args.quiet)
    out = sys.stdout
    code = 0
    failure = ""
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    dispatch = Dispatch(
        kind,
        source,
        processes=args.processes,
        concurrency=args.concurrency,
        timeout=args.timeout,
        client=args.client,
        max_bytes=args.max_bytes,
    )

    def tick() -> None:
        out.flush()  # what is in order reaches the reader before the loop waits again
        progress.show(dispatch.tally.done, dispatch.tally.kinds)

    dispatch.on_tick = tick
    t0 = t1 = time.perf_counter()
    try:
        with dispatch:
            t0 = time.perf_counter()  # the workers have started: not part of the rate
            try:
                for result in dispatch:
                    out.write(_line(result))
                t1 = time.perf_counter()
            except Stopped as stop:
                t1 = time.perf_counter()
                code = stop.code
                dispatch.drain()
                for result in dispatch.ready():
                    out.write(_line(result))
                for _, result in dispatch.leftovers():
                    out.write(_line(result, out_of_order=True))
    except Stopped as stop:  # while the workers were starting
        code = stop.code
    except RemoteError as e:
        code, failure = 1, f"{e.remote_type}: {e.remote_message}"
    except (WorkerError, ValueError) as e:
        code, failure = 1, str(e)
    finally:
        wall_s = max(t1 - t0, 0.0)
        out.flush()
        progress.close()
        source.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    print(_summary(args, dispatch, source.total, wall_s, code, failure), file=sys.stderr)
    return code


def _summary(
    args: argparse.Namespace,
    dispatch: Any,
    total: int | None,
    wall_s: float,
    code: int,
    why: str,
) -> str:
    tally = dispatch.tally
    counts = {k: tally.kinds.get(k, 0) for k in ("ok", *spec.ERROR_KINDS)}
    summary = fetcher.Summary(tally.done, wall_s, counts)
    loop = f" on {args.loop}" if args.loop else ""
    procs = f" --processes {dispatch.processes}" if args.processes > 1 else ""
    head = (
        f"switchbench fetch: {args.model}{loop}/{args.client} -c {args.concurrency}{procs} "
        f"--timeout {args.timeout:g}: {summary.line()}"
    )
    if code == 0:
        return head
    lost = tally.sent - tally.done
    if total is not None:
        skipped = f"{total - tally.sent} not attempted"
    elif tally.input_done:
        skipped = f"{tally.read - tally.sent} not attempted"
    else:
        skipped = f"{tally.read - tally.sent} read and not attempted, the rest of stdin unread"
    stopped = {130: "interrupted (SIGINT)", 143: "terminated (SIGTERM)"}.get(code, f"failed: {why}")
    return (
        f"{head}\nswitchbench fetch: {stopped}: {tally.done} done, {lost} sent and dropped, "
        f"{skipped}"
    )
