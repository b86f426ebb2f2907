"""pytest fixtures shared by ``tests/`` and ``benchmarks/`` (imported by both conftests).

The pytest process itself never imports model code: everything model-specific runs in a
``ModelWorker`` child.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from shared import spec
from shared.harness.server import ServerProcess
from shared.harness.worker import ModelWorker


def kind_params(kinds: Iterable[spec.WorkerKind] = spec.WORKER_KINDS) -> list[Any]:
    """``kinds`` as pytest parameters of one argument, a :class:`~shared.spec.WorkerKind`,
    with its id as the test id: ``@pytest.mark.parametrize("kind", kind_params(RUNNERS))``."""
    return [pytest.param(k, id=k.id) for k in kinds]


def pair_params(pairs: Iterable[spec.Pair] = spec.PAIRS) -> list[Any]:
    """Fetch pairs as pytest parameters of one argument, with the pair's id as the test id."""
    return [pytest.param(p, id=p.id) for p in pairs]


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
    """Started workers kept for the session, one per worker kind; restarted if dead."""

    def __init__(self) -> None:
        self._live: dict[str, ModelWorker] = {}

    def get(self, model: str | spec.WorkerKind, **options: Any) -> ModelWorker:
        """The worker of a kind: ``get(kind)``, or ``get("asyncio", loop="uvloop")``."""
        kind = model if isinstance(model, spec.WorkerKind) else spec.kind_for(model, **options)
        w = self._live.get(kind.id)
        if w is None or not w.alive():
            if w is not None:
                w.close()
            w = self._live[kind.id] = ModelWorker(kind.model, **kind.options).start()
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
