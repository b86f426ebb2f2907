"""The harness every model runs through: round trip, errors, deadlines, no orphans."""

import os
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from shared import spec
from shared.harness.fixtures import Workers, kind_params
from shared.harness.worker import ModelWorker, RemoteError, WorkerError, WorkerTimeout
from tests.helpers import ROOT, start_python


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, within_s: float = 10.0) -> bool:
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("kind", kind_params())
def test_round_trip_returns_value_and_captured_stdout(
    workers: Workers, kind: spec.WorkerKind
) -> None:
    w = workers.get(kind)
    reply = w.request("shared.harness.introspect.echo", {"a": 1, "b": [1, "x"], "c": None})
    assert reply.value == {"a": 1, "b": [1, "x"], "c": None}
    assert reply.stdout == "echo: ['a', 'b', 'c']\n"
    assert reply.elapsed_s >= 0
    assert w.pid != os.getpid()


@pytest.mark.parametrize("kind", kind_params())
def test_noop_round_trip_is_measurable(workers: Workers, kind: spec.WorkerKind) -> None:
    assert workers.get(kind).noop_roundtrip_s(samples=20) > 0


@pytest.mark.parametrize("kind", kind_params())
def test_remote_exception_comes_back_with_its_traceback(
    workers: Workers, kind: spec.WorkerKind
) -> None:
    w = workers.get(kind)
    with pytest.raises(RemoteError) as info:
        w.call("shared.harness.introspect.fail", message="boom")
    assert info.value.remote_type == "ValueError"
    assert info.value.remote_message == "boom"
    assert 'introspect.py", line' in info.value.remote_traceback
    assert "in fail" in str(info.value)


def test_worker_survives_a_remote_error_and_keeps_answering(workers: Workers) -> None:
    w = workers.get("thread")
    with pytest.raises(RemoteError, match="ModuleNotFoundError"):
        w.call("no_such_module.f")
    with pytest.raises(RemoteError, match="AttributeError"):
        w.call("shared.harness.introspect.no_such_function")
    with pytest.raises(RemoteError, match="TypeError: cannot send object"):
        w.call("shared.harness.introspect.unsendable")
    assert w.call("shared.harness.introspect.echo", x=1) == {"x": 1}


def test_relative_names_resolve_in_the_model_package(workers: Workers) -> None:
    with pytest.raises(RemoteError, match="No module named 'impls.asyncio_impl.nothing'"):
        workers.get("asyncio").call("nothing.f")


def test_deadline_kills_the_worker() -> None:
    with ModelWorker("asyncio") as w:
        pid = w.pid
        assert pid is not None
        with pytest.raises(WorkerTimeout, match="no reply within 0.3 s"):
            w.request("shared.harness.introspect.sleep", {"seconds": 30}, deadline_s=0.3)
        assert wait_gone(pid)
        with pytest.raises(WorkerError, match="not running"):
            w.call("shared.harness.introspect.echo")


def test_a_worker_that_dies_mid_call_is_reported() -> None:
    with ModelWorker("gevent") as w:
        with pytest.raises(WorkerError, match="died during the call: exit code 3"):
            w.call("shared.harness.introspect.crash", code=3)


@pytest.mark.parametrize("model", ["gevent", "asyncio", "thread"])
def test_sigint_raises_keyboardinterrupt_in_a_worker_even_if_the_parent_ignored_it(
    model: str,
) -> None:
    # as in a command started with `&` from a script: SIGINT ignored, and children inherit it
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with ModelWorker(model) as w:
            assert w.call("shared.harness.introspect.sigint_handler") == "python"
    finally:
        signal.signal(signal.SIGINT, old)


def test_close_ends_the_process() -> None:
    w = ModelWorker("thread").start()
    pid = w.pid
    assert pid is not None
    w.close()
    assert wait_gone(pid, 5)


def test_bad_worker_options_are_value_errors() -> None:
    with pytest.raises(ValueError, match="loop= applies to the asyncio model only"):
        ModelWorker("thread", loop="uvloop")
    with pytest.raises(ValueError, match="patch=False applies to the gevent model only"):
        ModelWorker("asyncio", patch=False)
    with pytest.raises(ValueError, match="unknown loop"):
        ModelWorker("asyncio", loop="trio")
    with pytest.raises(ValueError, match="unknown model"):
        ModelWorker("curio")


PARENT = textwrap.dedent(
    """
    import sys, time
    from shared.harness.worker import ModelWorker
    workers = [ModelWorker(m).start() for m in ("gevent", "asyncio", "thread")]
    print(" ".join(str(w.pid) for w in workers), flush=True)
    if sys.argv[1] == "busy":
        workers[0].call("shared.harness.introspect.sleep", seconds=60)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("state", ["idle", "busy"])
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(state: str, how: signal.Signals) -> None:
    parent = start_python(["-c", PARENT, state], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        children = [int(p) for p in parent.stdout.readline().split()]
        assert len(children) == 3
        assert all(pid_alive(p) for p in children)
        time.sleep(0.2)
        parent.send_signal(how)
        parent.wait(10)
        assert all(wait_gone(p) for p in children), "a worker outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        assert parent.stdout is not None
        parent.stdout.close()


@pytest.mark.parametrize("kind", kind_params())
def test_workers_run_the_code_of_this_checkout(workers: Workers, kind: spec.WorkerKind) -> None:
    # not another checkout's (an installed or editable copy): the tests test this code
    here = str(Path(__file__).resolve().parents[1])
    assert str(ROOT) == here
    state = workers.get(kind).call("shared.harness.introspect.state")
    assert state["source"] == {"shared": here, "impls": here}
