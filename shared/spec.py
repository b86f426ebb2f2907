"""The contract every model implements: names, the registry, result types, argument checks.

The registry says once what the models are and how their workers start (:data:`MODELS`,
:data:`MODEL_FACTS`, :data:`WORKER_KINDS`, :data:`PAIRS`): every test, benchmark and report
reads it, none writes the list out again.

Everything here is model-free: no I/O, no scheduling. The model packages under ``impls/``
import from this module so that parsing, validation and result types exist exactly once, and
a model's files hold only its scheduling and I/O (docs/design.md). Nothing here imports
gevent, asyncio or threading.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

# --- the models and the worker kinds: one registry, read by every test, benchmark and report

MODELS: tuple[str, ...] = ("gevent", "asyncio", "thread")

#: event loops the asyncio worker can run on (same code, other loop)
LOOPS: tuple[str, ...] = ("asyncio", "uvloop")


@dataclass(frozen=True)
class Model:
    """What one model offers: its lessons, its clients, its primitives."""

    name: str
    #: eat/play lesson -> the worker kind (:data:`WORKER_KINDS`) it runs in; the first is
    #: the default
    lessons: dict[str, str]
    #: HTTP clients: httpx everywhere (the model effect alone), then the model's fastest
    #: idiomatic client
    clients: tuple[str, ...]
    #: the Event a ping-pong hands off through (``switch_ns``)
    event: str
    #: what a ``sleep(0)`` yield calls (``yield_ns``)
    yield_call: str
    #: the variant name a ``yield_ns`` row records; threads' ``time.sleep(0)`` is no handoff
    yield_variant: str | None
    #: the raw switches under the scheduler (``raw_switch_ns``); threads have none a
    #: program can call
    raw_kinds: tuple[str, ...]
    #: how tasks are spawned and joined (``spawn_join_us``); the first is the default
    spawn_variants: tuple[str, ...]
    #: ping-pongs other than between two of the model's tasks, each a ``switch_ns`` row of
    #: its own under that variant (thread: between two processes)
    ping_pongs: tuple[str, ...] = ()
    #: how a load is laid out in this model (shared.scenarios.layout): processes x threads
    #: x tasks; gevent has no threads (patched, a thread is a greenlet), threads no tasks
    layout: tuple[str, ...] = ("processes", "threads", "tasks")

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(self.lessons)

    @property
    def own_client(self) -> str:
        """The model's fastest idiomatic client (not httpx)."""
        return self.clients[-1]


MODEL_FACTS: dict[str, Model] = {
    "gevent": Model(
        "gevent",
        lessons={
            "patched": "gevent",
            "gevent-sleep": "gevent",
            "unpatched": "gevent-unpatched",
            "greenlet": "gevent-unpatched",
        },
        clients=("httpx", "geventhttpclient"),
        event="gevent.event.Event",
        yield_call="gevent.sleep(0)",
        yield_variant=None,
        raw_kinds=("greenlet",),
        spawn_variants=("spawn",),
        layout=("processes", "tasks"),
    ),
    "asyncio": Model(
        "asyncio",
        lessons={
            "asyncio": "asyncio",
            "uvloop": "asyncio-uvloop",
            "blocking": "asyncio",
            "generators": "asyncio",
        },
        clients=("httpx", "aiohttp"),
        event="asyncio.Event",
        yield_call="asyncio.sleep(0)",
        yield_variant=None,
        raw_kinds=("coroutine-send", "generator-next"),
        spawn_variants=("task-group",),
    ),
    "thread": Model(
        "thread",
        # processes: the tutorial's first way, with the standard library's multiprocessing
        lessons={"threads": "thread", "serial": "thread", "processes": "thread"},
        clients=("httpx", "urllib3"),
        event="threading.Event",
        yield_call="time.sleep(0)",
        yield_variant="time-sleep-0",
        raw_kinds=(),
        spawn_variants=("thread", "thread-pool", "process"),
        ping_pongs=("processes",),
        layout=("processes", "threads"),
    ),
}

#: eat/play variants per model (the first is the default)
VARIANTS: dict[str, tuple[str, ...]] = {m: f.variants for m, f in MODEL_FACTS.items()}
#: HTTP clients per model, httpx first
CLIENTS: dict[str, tuple[str, ...]] = {m: f.clients for m, f in MODEL_FACTS.items()}


@dataclass(frozen=True)
class WorkerKind:
    """One kind of worker process: a model, started one way (``ModelWorker(**options)``)."""

    id: str
    model: str
    #: the variant its benchmark rows record
    variant: str
    #: the asyncio model's event loop
    loop: str | None = None
    #: the gevent model's ``monkey.patch_all()`` (False: the unpatched lessons only)
    patch: bool = True

    @property
    def options(self) -> dict[str, Any]:
        """Keyword arguments of ``ModelWorker(kind.model, **kind.options)``, written out in
        full (no silent default): gevent's ``patch``, asyncio's ``loop``."""
        if self.model == "gevent":
            return {"patch": self.patch}
        if self.model == "asyncio":
            return {"loop": self.loop}
        return {}

    @property
    def facts(self) -> Model:
        return MODEL_FACTS[self.model]


#: every kind of worker the project starts
WORKER_KINDS: tuple[WorkerKind, ...] = (
    WorkerKind("gevent", "gevent", "patched"),
    WorkerKind("gevent-unpatched", "gevent", "unpatched", patch=False),
    WorkerKind("asyncio", "asyncio", "asyncio", loop="asyncio"),
    WorkerKind("asyncio-uvloop", "asyncio", "uvloop", loop="uvloop"),
    WorkerKind("thread", "thread", "threads"),
)
KINDS: dict[str, WorkerKind] = {k.id: k for k in WORKER_KINDS}
#: the kinds that run the models' scenarios (the unpatched gevent worker runs two lessons)
RUNNERS: tuple[WorkerKind, ...] = tuple(k for k in WORKER_KINDS if k.patch)
#: one kind per model, the way it runs by default (uvloop is asyncio on another loop)
DEFAULT_KINDS: tuple[WorkerKind, ...] = tuple(
    next(k for k in RUNNERS if k.model == m) for m in MODELS
)


def kind_for(model: str, *, loop: str | None = None, patch: bool = True) -> WorkerKind:
    """The kind of ``ModelWorker(model, loop=..., patch=...)`` (asyncio's loop defaults to
    asyncio's own); ``ValueError`` for options the model does not take."""
    check_model(model)
    if loop is not None and model != "asyncio":
        raise ValueError(f"loop= applies to the asyncio model only, not {model}")
    if not patch and model != "gevent":
        raise ValueError(f"patch=False applies to the gevent model only, not {model}")
    if model == "asyncio":
        loop = check_loop(loop or LOOPS[0])
    return next(k for k in WORKER_KINDS if (k.model, k.loop, k.patch) == (model, loop, patch))


def lesson_kind(model: str, variant: str | None = None) -> WorkerKind:
    """The worker kind an eat/play lesson runs in (``ModelWorker(model, **kind.options)``)."""
    return KINDS[MODEL_FACTS[model].lessons[check_variant(model, variant)]]


@dataclass(frozen=True)
class Pair:
    """A worker kind with one of its model's HTTP clients: one row of the fetch sweep."""

    kind: WorkerKind
    client: str

    @property
    def model(self) -> str:
        return self.kind.model

    @property
    def label(self) -> str:
        """``gevent``, ``asyncio``, ``asyncio-uvloop``, ``thread``."""
        return self.kind.id

    @property
    def variant(self) -> str:
        return self.kind.variant

    @property
    def id(self) -> str:
        return f"{self.kind.id}-{self.client}"

    @property
    def worker_options(self) -> dict[str, Any]:
        return self.kind.options


def pairs(kinds: tuple[WorkerKind, ...] = RUNNERS) -> tuple[Pair, ...]:
    """Every kind with each client of its model, the model's own client first (an httpx row
    is compared with it)."""
    return tuple(Pair(k, c) for k in kinds for c in sorted(k.facts.clients, key="httpx".__eq__))


#: every model x client, plus asyncio on uvloop with both its clients
PAIRS: tuple[Pair, ...] = pairs()

# --- eat/play (the tutorial's demo: docs/tutorial.md) -------------------------------------

EAT_NAME = "egon"
EAT_SECONDS = 2.0
PLAY_SECONDS = 1.0

# --- fetcher --------------------------------------------------------------------------------

ErrorKind = Literal["invalid-url", "connect", "timeout", "http", "protocol", "too-large"]
ERROR_KINDS: tuple[str, ...] = (
    "invalid-url",
    "connect",
    "timeout",
    "http",
    "protocol",
    "too-large",
)

#: a body longer than this is not read to the end: the result is ``"too-large"``
MAX_BODY_BYTES = 8 * 1024 * 1024

#: how a fetch figure reads, for the benchmarks that note it on a row and the report alike:
#: fetch_all at less than this fraction of its bare client's rate is a cost of ours
FETCH_OVER_BARE_AT_LEAST = 0.9
#: a client at this share of one core is bound by its own CPU: for threads that is the GIL's
#: one core, for an event loop or hub its one thread
CLIENT_CPU_BOUND_AT = 0.9


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetched URL. ``error`` is ``None`` on success, else one of :data:`ERROR_KINDS`.

    ``status`` is the HTTP status when a response head arrived (kept for ``"http"`` errors),
    else ``None``; ``nbytes`` is the body length read; ``elapsed_s`` is the wall time of this
    one request, queueing for a slot excluded.
    """

    url: str
    status: int | None
    nbytes: int
    elapsed_s: float
    error: ErrorKind | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FetchResult:
        return cls(**d)


#: dataclasses that may cross the worker channel (see shared.harness.worker)
WIRE_TYPES: dict[str, type] = {"FetchResult": FetchResult}

# --- behaviour scenarios: what happens when things go wrong ------------------------------------

#: a result field's JSON type: ``bool``, ``int``, ``float``, ``str``, ``None`` (null), a tuple
#: of those (any of them), or a dict of nested fields
Fields = dict[str, Any]

_MS_OR_NULL = (float, None)


@dataclass(frozen=True)
class Behaviour:
    """One behaviour scenario: ``switchbench demo NAME``, ``impls/<model>_impl/MODULE.py``."""

    name: str
    #: the file name (without ``.py``) in ``shared/scenarios/`` and in every model package
    module: str
    summary: str
    #: runs against the test server (its ``run`` takes ``url``)
    needs_server: bool
    #: the fields every result carries (more are fine), the JSON contract of ``--json``
    fields: Fields
    #: the figure a benchmark row's ``value`` is: a field, dotted into nested ones
    headline: str
    unit: str

    @property
    def run_fn(self) -> str:
        """The worker function that runs it: ``"cancel.run"``."""
        return f"{self.module}.run"


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour(
        "cancel",
        "cancel",
        "cancel a task 100 ms in: in a Python-level wait, and in a C call nothing can interrupt",
        needs_server=True,
        fields={
            "python_wait": {
                "stopped": bool,
                "cancel_at_ms": float,
                "stopped_at_ms": _MS_OR_NULL,
                "cleanup_ran": bool,
            },
            "c_block": {
                "stopped": bool,
                "block_ms": float,
                "cancel_at_ms": float,
                "stopped_at_ms": _MS_OR_NULL,
                "cleanup_ran": bool,
            },
        },
        headline="c_block.stopped_at_ms",
        unit="ms",
    ),
    Behaviour(
        "blocking",
        "blocking",
        "a C call holds one task for 200 ms: the sibling's lag, and what the runtime's own "
        "detector reports",
        needs_server=False,
        fields={"block_ms": float, "sibling_lag_ms": float, "detected": bool, "named": (str, None)},
        headline="sibling_lag_ms",
        unit="ms",
    ),
    Behaviour(
        "failure",
        "failure",
        "one of ten tasks raises at 100 ms: the caller, the siblings, what is left running",
        needs_server=False,
        fields={
            "raised_to_caller": bool,
            "siblings_cancelled": int,
            "sibling_steps_after_failure": int,
            "left_running": int,
        },
        headline="sibling_steps_after_failure",
        unit="steps",
    ),
    Behaviour(
        "shared-state",
        "shared_state",
        "read-modify-write of one counter by many tasks: lost updates with and without locks",
        needs_server=False,
        fields={
            "tasks": int,
            "increments": int,
            "no_switch": {"lost": int},
            "switch_inside": {"lost": int},
            "locked": {"lost": int},
        },
        headline="switch_inside.lost",
        unit="lost updates",
    ),
    Behaviour(
        "c-block",
        "c_block",
        "ten C calls of 50 ms: with the model's plain concurrency, then offloaded its way",
        needs_server=False,
        fields={
            "calls": int,
            "call_ms": float,
            "serial_ms": float,
            "blocked_wall_ms": float,
            "offloaded_wall_ms": float,
        },
        headline="blocked_wall_ms",
        unit="ms",
    ),
    Behaviour(
        "context",
        "context",
        "100 concurrent requests keep a request id in a context variable across an I/O wait",
        needs_server=True,
        fields={"requests": int, "crosstalk": int, "offload_sees_context": bool},
        headline="crosstalk",
        unit="mismatches",
    ),
)
BEHAVIOUR: dict[str, Behaviour] = {b.name: b for b in BEHAVIOURS}


# --- validation -----------------------------------------------------------------------------


def check_choice(value: str, choices: tuple[str, ...], what: str, where: str = "") -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` naming them."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}{where}: choose one of {', '.join(choices)}")
    return value


def check_model(model: str) -> str:
    return check_choice(model, MODELS, "model")


def check_variant(model: str, variant: str | None) -> str:
    """Return the variant, or the model's default one when ``variant`` is None."""
    check_model(model)
    if variant is None:
        return VARIANTS[model][0]
    return check_choice(variant, VARIANTS[model], "variant", f" for model {model}")


def check_client(model: str, client: str) -> str:
    check_model(model)
    return check_choice(client, CLIENTS[model], "client", f" for model {model}")


def check_loop(loop: str) -> str:
    return check_choice(loop, LOOPS, "loop")


def check_behaviour(name: str) -> Behaviour:
    return BEHAVIOUR[check_choice(name, tuple(BEHAVIOUR), "scenario")]


def check_scale(scale: float) -> float:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale):
        raise ValueError(f"scale must be a finite number, got {scale!r}")
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")
    return float(scale)


def check_fetch_args(
    model: str,
    client: str,
    concurrency: int,
    timeout: float,
    max_bytes: int = MAX_BODY_BYTES,
    processes: int = 1,
) -> None:
    """Raise ``ValueError`` for arguments no run could honour; call before any I/O."""
    check_client(model, client)
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be an integer >= 1, got {processes!r}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise ValueError(f"concurrency must be an integer, got {concurrency!r}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise ValueError(f"timeout must be a number of seconds, got {timeout!r}")
    if not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"max_bytes must be an integer >= 0, got {max_bytes!r}")


def check_urls(urls: object) -> list[str]:
    """The URLs of a fetch as a list; ``ValueError`` unless it is a list or tuple of strings.

    Each string may still be an invalid URL: that is a per-URL ``"invalid-url"`` result, not an
    error. A lone string is refused (iterating it would fetch one URL per character).
    """
    if not isinstance(urls, list | tuple):
        raise ValueError(f"urls must be a list of strings, got {type(urls).__name__}")
    for i, url in enumerate(urls):
        if not isinstance(url, str):
            raise ValueError(f"urls[{i}] must be a string, got {type(url).__name__}")
    return list(urls)


#: any character ``str.isspace()`` calls white (checked over every code point); found in C,
#: not one Python-level call per character: this runs once per URL (fetcher.Work)
_WHITESPACE = re.compile(r"\s")


def is_valid_url(url: object) -> bool:
    """True for an absolute http(s) URL with a host; such a URL may still fail to connect."""
    return isinstance(url, str) and _valid_url(url)


@functools.lru_cache(maxsize=1024)  # every request's URL is checked: parse each URL once
def _valid_url(url: str) -> bool:
    if not url or _WHITESPACE.search(url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    del port
    return parts.scheme in ("http", "https") and bool(parts.hostname)
