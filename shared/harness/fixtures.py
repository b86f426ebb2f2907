"""pytest fixtures shared by ``tests/`` and ``benchmarks/`` (imported by both conftests).

The pytest process itself never imports model code: everything model-specific runs in a
``ModelWorker`` child.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.harness.server import ServerProcess
from shared.harness.worker import ModelWorker

#: (model, options) for every worker kind, with readable test ids
WORKER_KINDS = [
    pytest.param("gevent", {}, id="gevent"),
    pytest.param("gevent", {"patch": False}, id="gevent-unpatched"),
    pytest.param("asyncio", {}, id="asyncio"),
    pytest.param("asyncio", {"loop": "uvloop"}, id="asyncio-uvloop"),
    pytest.param("thread", {}, id="thread"),
]


@pytest.fixture(scope="session")
def test_server() -> Iterator[ServerProcess]:
    """The test server, started once per session in its own process."""
    with ServerProcess() as srv:
        yield srv


@pytest.fixture
def server(test_server: ServerProcess) -> ServerProcess:
    """The session's test server with its counters reset for this test."""
    test_server.reset()
    return test_server


class Workers:
    """Started workers kept for the session, one per (model, options); restarted if dead."""

    def __init__(self) -> None:
        self._live: dict[tuple[str, tuple[tuple[str, object], ...]], ModelWorker] = {}

    def get(self, model: str, **options: object) -> ModelWorker:
        key = (model, tuple(sorted(options.items())))
        w = self._live.get(key)
        if w is None or not w.alive():
            if w is not None:
                w.close()
            w = self._live[key] = ModelWorker(model, **options).start()  # type: ignore[arg-type]
        return w

    def close(self) -> None:
        for w in self._live.values():
            w.close()
        self._live.clear()


@pytest.fixture(scope="session")
def workers() -> Iterator[Workers]:
    """``workers.get("asyncio", loop="uvloop")``: a started worker shared by the session."""
    pool = Workers()
    try:
        yield pool
    finally:
        pool.close()
