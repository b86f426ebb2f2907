"""Run a model's code in a fresh interpreter of its own, through one harness for all models.

Why a process per model: ``monkey.patch_all()`` replaces ``socket``, ``threading`` and
``time.sleep`` for the whole interpreter. Patched late, or in the same process as asyncio or
real threads, it either does not take or breaks the others. So every model runs in its own
child, ``python -m impls.<model>_impl``, and the pytest process never imports model code.

The channel is a pair of dedicated pipes (JSON lines), not the child's stdout: demos print,
and what they print is captured per call and sent back beside the result.

Parent side::

    with ModelWorker("gevent") as w:
        results = w.call("fetcher.fetch_all", urls=urls, concurrency=10, timeout=5.0,
                         client="httpx")
        reply = w.request("eat_play.run", {"variant": "patched", "scale": 0.1})
        print(reply.stdout, reply.elapsed_s)

``ModelWorker("asyncio", loop="uvloop")`` runs the same asyncio code on uvloop;
``ModelWorker("gevent", patch=False)`` is a gevent worker that never patched.

A function name without a package (``"fetcher.fetch_all"``) is looked up in the worker's own
model package; ``"shared.harness.introspect.state"`` or ``"impls.x.y.f"`` are taken as they are.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import io
import json
import os
import select
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared import spec

NOOP = "__noop__"

#: what the running child is (filled in by :func:`serve`; read by shared.harness.introspect)
CHILD_INFO: dict[str, Any] = {}


class WorkerError(RuntimeError):
    """The worker process failed (died, timed out, or broke the protocol)."""


class WorkerTimeout(WorkerError, TimeoutError):
    """A call did not answer within its deadline; the worker was killed."""


class RemoteError(Exception):
    """An exception raised by the called function inside the worker.

    ``remote_type`` is the exception's class name, ``remote_traceback`` the formatted
    traceback from the child; both appear in ``str(err)``.
    """

    def __init__(self, remote_type: str, message: str, remote_traceback: str) -> None:
        super().__init__(f"{remote_type}: {message}\n--- remote traceback ---\n{remote_traceback}")
        self.remote_type = remote_type
        self.remote_message = message
        self.remote_traceback = remote_traceback


@dataclass(frozen=True)
class Reply:
    value: Any
    #: what the call printed to sys.stdout inside the worker
    stdout: str
    #: wall time of the function itself, measured inside the worker
    elapsed_s: float


# --- wire format ----------------------------------------------------------------------------


def _encode(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and type(obj).__name__ in spec.WIRE_TYPES:
        return {"__wire__": type(obj).__name__, **dataclasses.asdict(obj)}
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    raise TypeError(f"cannot send {type(obj).__name__} over the worker channel")


def _decode(d: dict[str, Any]) -> Any:
    name = d.pop("__wire__", None)
    return d if name is None else spec.WIRE_TYPES[name](**d)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, default=_encode, separators=(",", ":")).encode() + b"\n"


# --- parent side ----------------------------------------------------------------------------


class ModelWorker:
    """A model's own interpreter, started on ``__enter__`` (or :meth:`start`)."""

    def __init__(
        self,
        model: str,
        *,
        loop: str | None = None,
        patch: bool = True,
        call_timeout_s: float = 600.0,
    ) -> None:
        #: what this worker is (spec.WORKER_KINDS); ValueError for options its model lacks
        self.kind = spec.kind_for(model, loop=loop, patch=patch)
        self.model = model
        self.loop = self.kind.loop
        self.patch = patch
        self.call_timeout_s = call_timeout_s
        self._proc: Any = None
        self._req_w: int | None = None
        self._resp_r: int | None = None
        self._buf = b""
        self._next_id = 0

    def __repr__(self) -> str:
        opts = f", loop={self.loop!r}" if self.loop else ""
        opts += "" if self.patch else ", patch=False"
        return f"ModelWorker({self.model!r}{opts}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def alive(self) -> bool:
        return self._proc is not None and self._req_w is not None and self._proc.poll() is None

    def start(self) -> ModelWorker:
        from shared.harness import proc

        if self._proc is not None:
            raise WorkerError(f"{self!r} already started")
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        args = ["-m", f"impls.{self.model}_impl", "--fd-in", str(req_r), "--fd-out", str(resp_w)]
        if self.loop:
            args += ["--loop", self.loop]
        if not self.patch:
            args.append("--no-patch")
        try:
            self._proc = proc.spawn(args, pass_fds=(req_r, resp_w), stdin=subprocess.DEVNULL)
        finally:
            os.close(req_r)
            os.close(resp_w)
        self._req_w, self._resp_r = req_w, resp_r
        return self

    def __enter__(self) -> ModelWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel (the child exits on EOF), then make sure it is gone."""
        from shared.harness import proc

        for fd in (self._req_w, self._resp_r):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._req_w = self._resp_r = None
        if self._proc is not None:
            try:
                proc.exited(self._proc, 2.0)
            finally:
                proc.stop(self._proc)

    def kill(self) -> None:
        """Stop the worker now, whatever it is doing (a call in progress is lost)."""
        from shared.harness import proc

        if self._proc is not None:
            proc.stop(self._proc, grace_s=0.5)
        self.close()

    def call(self, fn: str, /, **kwargs: Any) -> Any:
        """Run ``fn(**kwargs)`` in the worker and return its value."""
        return self.request(fn, kwargs).value

    def request(self, fn: str, kwargs: dict[str, Any], *, deadline_s: float | None = None) -> Reply:
        """Like :meth:`call`, returning the captured stdout and in-worker time too."""
        if self._req_w is None or self._resp_r is None:
            raise WorkerError(f"{self!r} is not running (use it as a context manager)")
        self._next_id += 1
        msg = _dumps({"id": self._next_id, "fn": fn, "kwargs": kwargs})
        try:
            os.write(self._req_w, msg)  # small messages: one write, no partial-write loop needed
        except BrokenPipeError as e:
            raise WorkerError(f"{self!r} is gone: {self._exit_reason()}") from e
        reply = json.loads(self._read_line(deadline_s or self.call_timeout_s), object_hook=_decode)
        if reply.get("id") != self._next_id:
            self.close()
            raise WorkerError(
                f"{self!r}: reply out of order ({reply.get('id')} != {self._next_id})"
            )
        if not reply["ok"]:
            err = reply["error"]
            raise RemoteError(err["type"], err["message"], err["traceback"])
        return Reply(reply["result"], reply["stdout"], reply["elapsed_s"])

    def _read_line(self, deadline_s: float) -> bytes:
        assert self._resp_r is not None
        end = time.monotonic() + deadline_s
        while b"\n" not in self._buf:
            left = end - time.monotonic()
            ready, _, _ = select.select([self._resp_r], [], [], max(left, 0.0))
            if not ready:
                self.close()
                raise WorkerTimeout(f"{self!r}: no reply within {deadline_s:g} s; worker killed")
            chunk = os.read(self._resp_r, 1 << 20)
            if not chunk:
                reason = self._exit_reason()
                self.close()
                raise WorkerError(f"{self!r} died during the call: {reason}")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def stream(self, fn: str, kwargs: dict[str, Any]) -> StreamCall:
        """Start ``fn(stream=..., **kwargs)`` in the worker as a streamed call: the caller feeds
        it items and receives items back while it runs (see :class:`StreamCall`)."""
        if self._req_w is None or self._resp_r is None:
            raise WorkerError(f"{self!r} is not running (use it as a context manager)")
        self._next_id += 1
        return StreamCall(self, self._next_id, fn, kwargs)

    def _exit_reason(self) -> str:
        try:
            code = self._proc.wait(1.0)
        except subprocess.TimeoutExpired:
            return "channel closed while the process still runs"
        return f"exit code {code}" + (" (killed by a signal)" if code < 0 else "")

    def noop_roundtrip_s(self, samples: int = 200) -> float:
        """Median wall time of a call that does nothing: the harness's own cost per call."""
        times = []
        for _ in range(samples):
            t0 = time.perf_counter()
            self.call(NOOP)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)


class StreamCall:
    """A streamed call in progress, driven by the caller's own ``select`` loop over many.

    Both directions at once: the caller queues items with :meth:`feed` (then :meth:`end`),
    writes them when :attr:`in_fd` is writable (:meth:`flush`, never blocking), and reads
    what the call sends back when :attr:`out_fd` is readable (:meth:`receive`): the items,
    then its :class:`Reply`. A worker that dies or raises ends it with an exception.
    """

    def __init__(self, worker: ModelWorker, call_id: int, fn: str, kwargs: dict[str, Any]) -> None:
        assert worker._req_w is not None
        assert worker._resp_r is not None
        self.worker = worker
        self.id = call_id
        self.in_fd = worker._req_w
        self.out_fd = worker._resp_r
        self.reply: Reply | None = None
        self._out = bytearray(_dumps({"id": call_id, "fn": fn, "kwargs": kwargs, "stream": True}))
        os.set_blocking(self.in_fd, False)  # a full pipe must never stall the caller's loop

    @property
    def done(self) -> bool:
        return self.reply is not None

    @property
    def wants_write(self) -> bool:
        return bool(self._out)

    def feed(self, items: list[Any]) -> None:
        """Queue items for the call's next :meth:`Stream.receive`."""
        self._out += _dumps({"id": self.id, "feed": items})

    def end(self) -> None:
        """No more items: the call's next :meth:`Stream.receive` returns None."""
        self._out += _dumps({"id": self.id, "end": True})

    def flush(self) -> None:
        """Write what the pipe takes now."""
        try:
            n = os.write(self.in_fd, self._out)
        except BlockingIOError:
            return
        except BrokenPipeError as e:
            raise WorkerError(f"{self.worker!r} is gone: {self.worker._exit_reason()}") from e
        del self._out[:n]

    def receive(self) -> list[Any]:
        """The items that arrived (read once, after ``select`` said :attr:`out_fd` is readable);
        sets :attr:`reply` when the call has ended."""
        w = self.worker
        chunk = os.read(self.out_fd, 1 << 20)
        if not chunk:
            reason = w._exit_reason()
            w.close()
            raise WorkerError(f"{w!r} died during the call: {reason}")
        w._buf += chunk
        items = []
        while b"\n" in w._buf:
            line, _, w._buf = w._buf.partition(b"\n")
            msg = json.loads(line, object_hook=_decode)
            if "item" in msg:
                items.append(msg["item"])
                continue
            os.set_blocking(self.in_fd, True)
            if not msg["ok"]:
                err = msg["error"]
                raise RemoteError(err["type"], err["message"], err["traceback"])
            self.reply = Reply(msg["result"], msg["stdout"], msg["elapsed_s"])
        return items


# --- child side -----------------------------------------------------------------------------


class Stream:
    """A streamed call's channel, as the called function sees it (its ``stream`` argument):
    :meth:`receive` the caller's next items, :meth:`send` one back. ``send`` may be called
    from any thread; ``receive`` from one at a time."""

    def __init__(self, fin: Any, fout: Any, call_id: int) -> None:
        self._fin = fin
        self._fout = fout
        self._id = call_id
        self._lock = threading.Lock()
        self._ended = False

    def receive(self) -> list[Any] | None:
        """The next items the caller fed, waiting for them; None once it said :meth:`end`."""
        if self._ended:
            return None
        msg = json.loads(self._fin.readline() or b'{"end": true}', object_hook=_decode)
        if msg.get("end"):
            self._ended = True
            return None
        return msg["feed"]

    def send(self, item: Any) -> None:
        line = _dumps({"id": self._id, "item": item})
        with self._lock:  # one line at a time, whichever thread sends
            self._fout.write(line)


def _resolve(model: str, name: str) -> Callable[..., Any]:
    module, _, attr = name.rpartition(".")
    if not module or not attr:
        raise ValueError(f"function name must look like 'module.function', got {name!r}")
    if module.split(".")[0] not in ("impls", "shared"):
        module = f"impls.{model}_impl.{module}"
    return getattr(importlib.import_module(module), attr)


def _handle(model: str, req: dict[str, Any], fin: Any, fout: Any) -> dict[str, Any]:
    out = io.StringIO()
    t0 = time.perf_counter()
    try:
        if req["fn"] == NOOP:
            result = None
        else:
            fn = _resolve(model, req["fn"])
            kwargs = req["kwargs"]
            if req.get("stream"):
                kwargs = {**kwargs, "stream": Stream(fin, fout, req["id"])}
            with contextlib.redirect_stdout(out):
                result = fn(**kwargs)
        elapsed = time.perf_counter() - t0
        reply = {"ok": True, "result": result, "stdout": out.getvalue(), "elapsed_s": elapsed}
        _dumps(reply)  # fail here, as a remote error, if the result cannot cross the channel
    except (Exception, SystemExit) as e:  # noqa: BLE001 - every failure goes back to the caller
        reply = {
            "ok": False,
            "error": {
                "type": type(e).__name__,
                "message": str(e),
                "traceback": traceback.format_exc(),
            },
        }
    reply["id"] = req.get("id")
    return reply


def serve(model: str, argv: list[str] | None = None, **info: Any) -> None:
    """The child's main loop: one request line in, one reply line out, until EOF."""
    from shared.harness import proc

    parser = argparse.ArgumentParser(prog=f"python -m impls.{model}_impl")
    parser.add_argument("--fd-in", type=int, required=True)
    parser.add_argument("--fd-out", type=int, required=True)
    parser.add_argument("--loop", choices=spec.LOOPS)
    parser.add_argument("--no-patch", action="store_true")
    args = parser.parse_args(argv)
    proc.die_with_parent()
    proc.interruptible()
    patched = not args.no_patch if model == "gevent" else None
    CHILD_INFO.update(model=model, loop=args.loop, patch=patched, **info)
    with open(args.fd_in, "rb") as fin, open(args.fd_out, "wb", buffering=0) as fout:
        while line := fin.readline():  # a streamed call reads its own lines from fin meanwhile
            fout.write(_dumps(_handle(model, json.loads(line), fin, fout)))
    sys.exit(0)
