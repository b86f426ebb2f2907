"""What the six behaviour scenarios measure and print with, once for every model.

The scenarios (``cancel``, ``blocking``, ``failure``, ``shared-state``, ``c-block``,
``context``; registered in :data:`shared.spec.BEHAVIOURS`) each have a model-free half in
``shared/scenarios/<module>.py`` and one file per model in ``impls/<model>_impl/``. Every
one of them uses this module for:

- :class:`Clock`: milliseconds from a task's start, the unit of every figure they report;
- :func:`get_request`: the bytes of one plain HTTP GET, sent on a raw socket in every
  model, so that a wait on the test server is the model's own I/O and nothing else;
- :func:`field_problems`, :func:`checked`: a result checked against the JSON contract of
  :data:`shared.spec.BEHAVIOURS`; :func:`headline_value`, the figure a benchmark row records;
- :func:`demo_args` and :func:`demo`: the ``python -m impls.<model>_impl.<module>`` entry
  (``--json``), which each scenario's shared half offers as its own ``demo_args``/``demo``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from shared import spec


class Clock:
    """Milliseconds since :meth:`start` (``time.perf_counter``; never patched by gevent)."""

    def __init__(self) -> None:
        self._t0: float | None = None

    def start(self) -> Clock:
        self._t0 = time.perf_counter()
        return self

    def ms(self) -> float:
        if self._t0 is None:
            raise RuntimeError("the clock was read before it started")
        return (time.perf_counter() - self._t0) * 1000


def ms(x: float) -> float:
    """A figure as the JSON carries it: milliseconds to 0.1 ms."""
    return round(float(x), 1)


#: seconds a scenario waits on the test server at most: a stuck server fails the run, no hang
IO_TIMEOUT_S = 10.0


def get_request(url: str) -> tuple[str, int, bytes]:
    """``(host, port, request)`` for one ``GET`` of ``url`` that the server answers and then
    closes (``Connection: close``: read to the end of the stream)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        raise ValueError(f"need the test server's http://host:port URL, got {url!r}")
    path = parts.path or "/"
    head = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
    return parts.hostname, parts.port, head.encode("ascii")


def _type_ok(value: Any, want: Any) -> bool:
    if isinstance(want, tuple):
        return any(_type_ok(value, w) for w in want)
    if want is None:
        return value is None
    if want in (int, float):  # a bool is no number here, and an int no float
        return type(value) is want
    return isinstance(value, want)


def _type_name(want: Any) -> str:
    if isinstance(want, tuple):
        return "|".join(_type_name(w) for w in want)
    return "null" if want is None else want.__name__


def field_problems(fields: spec.Fields, result: Any, where: str = "") -> list[str]:
    """What a result lacks against ``fields`` (missing fields, wrong JSON types); [] if none."""
    if not isinstance(result, dict):
        return [f"{where or 'result'} is {type(result).__name__}, not an object"]
    problems = []
    for key, want in fields.items():
        path = f"{where}.{key}" if where else key
        if key not in result:
            problems.append(f"{path} is missing")
        elif isinstance(want, dict):
            problems += field_problems(want, result[key], path)
        elif not _type_ok(result[key], want):
            problems.append(
                f"{path} is {type(result[key]).__name__} {result[key]!r}, not {_type_name(want)}"
            )
    return problems


def headline_value(behaviour: spec.Behaviour, result: dict[str, Any]) -> float | None:
    """The result's headline figure (``Behaviour.headline``) as a number, or None."""
    value: Any = result
    for part in behaviour.headline.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def checked(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` if it carries every field of the scenario's contract with its JSON type;
    otherwise ``ValueError`` naming what is wrong (the implementation broke the contract)."""
    problems = field_problems(spec.BEHAVIOUR[name].fields, result)
    if problems:
        raise ValueError(f"{name} result breaks the contract: {'; '.join(problems)}")
    return result


def say(text: str = "") -> None:
    """Print one line of a demo, flushed (a script shows it as it happens)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def json_line(result: dict[str, Any], **first: Any) -> str:
    """The ``--json`` line: ``first`` (scenario, kind) and then the result's fields."""
    return json.dumps({**first, **result}, separators=(", ", ": "))


def demo_args(name: str, model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.<module> [--json] [--url URL]`` for the behaviour
    scenario ``name`` (``--url`` where it needs the test server)."""
    b = spec.BEHAVIOUR[name]
    parser = argparse.ArgumentParser(
        prog=f"python -m impls.{model}_impl.{b.module}", description=f"{b.name}: {b.summary}."
    )
    parser.add_argument("--json", action="store_true", help="end with the result as one JSON line")
    if b.needs_server:
        parser.add_argument("--url", help="the test server's URL (default: start one)")
    return parser.parse_args(argv)


def demo(name: str, model: str, args: argparse.Namespace, run: Callable[..., Any]) -> None:
    """Run the scenario's demo once (``run`` prints the readable run); with ``--json`` end
    with its result as one line. A scenario that needs the test server starts one unless
    ``--url`` names it."""
    b = spec.BEHAVIOUR[name]
    if not b.needs_server:
        result = run()
    elif args.url:
        result = run(url=args.url)
    else:
        from shared.harness.server import ServerProcess

        with ServerProcess() as srv:
            result = run(url=srv.url)
    if args.json:
        say(json_line(result, scenario=b.name, model=model))
