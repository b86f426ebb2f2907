"""The contract every model implements: names, constants, result types, argument checks.

Everything here is model-free: no I/O, no scheduling. The model packages under ``impls/``
import from this module so that parsing, validation and result types exist exactly once
(STYLE.md, principle 2). Nothing here imports gevent, asyncio or threading.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

# --- models, variants, clients ------------------------------------------------------------

MODELS: tuple[str, ...] = ("gevent", "asyncio", "thread")

#: event loops the asyncio worker can run on (same code, other loop)
LOOPS: tuple[str, ...] = ("asyncio", "uvloop")

#: eat/play variants per model; the first one is the default
VARIANTS: dict[str, tuple[str, ...]] = {
    "gevent": ("patched", "gevent-sleep", "unpatched", "greenlet"),
    "asyncio": ("asyncio", "uvloop", "blocking", "generators"),
    "thread": ("threads", "serial"),
}

#: HTTP clients per model: httpx everywhere (the model effect alone), then the model's
#: fastest idiomatic client
CLIENTS: dict[str, tuple[str, ...]] = {
    "gevent": ("httpx", "geventhttpclient"),
    "asyncio": ("httpx", "aiohttp"),
    "thread": ("httpx", "urllib3"),
}

# --- eat/play (the seed's demo) -----------------------------------------------------------

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


def check_scale(scale: float) -> float:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale):
        raise ValueError(f"scale must be a finite number, got {scale!r}")
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")
    return float(scale)


def check_fetch_args(
    model: str, client: str, concurrency: int, timeout: float, max_bytes: int = MAX_BODY_BYTES
) -> None:
    """Raise ``ValueError`` for arguments no run could honour; call before any I/O."""
    check_client(model, client)
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
#: not one Python-level call per character: this runs once per request in every model
_WHITESPACE = re.compile(r"\s")


def is_valid_url(url: object) -> bool:
    """True for an absolute http(s) URL with a host; such a URL may still fail to connect."""
    if not isinstance(url, str) or not url or _WHITESPACE.search(url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    del port
    return parts.scheme in ("http", "https") and bool(parts.hostname)
