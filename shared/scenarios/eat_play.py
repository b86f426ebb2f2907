"""The tutorial's eat/play demo: every part of it that is not a model.

``impls/<model>_impl/eat_play.py`` hold only the scheduling and the blocking. The lines they
print, the timer and its ``total N.NN s`` line, the seconds, and which worker process each
variant needs live here, once (docs/design.md: how a scenario is split).

The tutorial's demo (docs/tutorial.md): ``eat`` prints ``egon eat 1``, blocks 2 s, prints
``egon eat 2``; ``play`` prints ``egon play 1``, blocks 1 s, prints ``egon play 2``. Run
concurrently they take 2 s, not 3 s. Each variant in :data:`shared.spec.VARIANTS` is one of
the tutorial's lessons and needs a process of its own kind: gevent's ``patched`` lesson is
meaningless in a process that never patched, and its ``unpatched`` one in a process that did.
:func:`shared.spec.lesson_kind` says which worker kind each variant needs; :func:`prepare`
refuses to run a variant in the wrong one.

This module imports only :mod:`shared.spec` and standard modules that do not import
``socket``, ``ssl`` or ``threading``: the gevent demo script imports it *before* it decides
whether to patch (a test checks this).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from shared import spec

# --- the tutorial's lines --------------------------------------------------------------------


def line(name: str, action: str, step: int) -> str:
    """One line of the tutorial's output: ``line("egon", "eat", 1) == "egon eat 1"``."""
    return f"{name} {action} {step}"


def say(name: str, action: str, step: int) -> None:
    """Print one of the tutorial's lines now, flushed so that a script shows it as it happens.

    One ``write`` per line: ``print`` writes the text and its newline separately, and two
    threads printing at once interleave between the two.
    """
    sys.stdout.write(line(name, action, step) + "\n")
    sys.stdout.flush()


def total_line(seconds: float) -> str:
    """The last line of every run: ``total 2.00 s``."""
    return f"total {seconds:.2f} s"


@dataclass
class Total:
    """Filled in by :func:`timer` when its block ends."""

    seconds: float = float("nan")


@contextlib.contextmanager
def timer() -> Iterator[Total]:
    """Time the block, then print :func:`total_line`; nothing is printed if the block raises."""
    total = Total()
    t0 = time.perf_counter()
    yield total
    total.seconds = time.perf_counter() - t0
    sys.stdout.write(total_line(total.seconds) + "\n")
    sys.stdout.flush()


# --- which process each variant needs ---------------------------------------------------------


def stdlib_patched() -> bool:
    """True when gevent has monkey-patched ``time`` in this process (without importing gevent)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("time"))


def _describe(patched: bool, loop: str | None) -> str:
    what = "a patched process" if patched else "an unpatched process"
    return what + (f" on the {loop} loop" if loop else "")


def prepare(
    model: str, variant: str | None, scale: float, *, loop: str | None = None
) -> tuple[str, float, float]:
    """Check a run's arguments and this process; return ``(variant, eat_s, play_s)``.

    ``loop`` is the asyncio model's loop in this process (None for the other models). A
    variant run in a process it does not belong to raises ``ValueError`` instead of
    measuring the wrong thing: ``patched`` where gevent never patched, ``uvloop`` on
    asyncio's own loop, ``threads`` where threads are greenlets.
    """
    variant = spec.check_variant(model, variant)
    scale = spec.check_scale(scale)
    kind = spec.lesson_kind(model, variant)
    need = (kind.model == "gevent" and kind.patch, kind.loop)
    have = (stdlib_patched(), loop)
    if have != need:
        args = "".join(f", {k}={v!r}" for k, v in kind.options.items())
        raise ValueError(
            f"variant {variant!r} of the {model} model needs {_describe(*need)}, but this is "
            f"{_describe(*have)}: run it in ModelWorker({model!r}{args})"
        )
    return variant, spec.EAT_SECONDS * scale, spec.PLAY_SECONDS * scale


# --- command-line arguments (the demo scripts and ``switchbench demo eat-play``) -------------


def scale_arg(text: str) -> float:
    """argparse ``type=`` for ``--scale``: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"scale must be a number, got {text!r}") from None
    try:
        return spec.check_scale(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def variants_help() -> str:
    """``gevent: patched (default), gevent-sleep, ...; asyncio: ...`` for ``--help``."""
    return "; ".join(
        f"{m}: {vs[0]} (default), {', '.join(vs[1:])}" for m, vs in spec.VARIANTS.items()
    )


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.eat_play [--variant V] [--scale S]``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m impls.{model}_impl.eat_play",
        description="The tutorial's eat/play demo: prints its lines, then `total N.NN s`.",
    )
    parser.add_argument(
        "--variant",
        choices=spec.VARIANTS[model],
        default=spec.VARIANTS[model][0],
        help="the lesson to run (default: %(default)s)",
    )
    parser.add_argument(
        "--scale", type=scale_arg, default=1.0, help="multiply the seconds (default 1)"
    )
    return parser.parse_args(argv)


def demo(model: str, args: argparse.Namespace, run: Callable[[str, float], float]) -> None:
    """What ``python -m impls.<model>_impl.eat_play`` does: run the lesson in this process.

    ``run`` is the model's own ``run(variant, scale)``: it prints the lines and the total.
    """
    run(spec.check_variant(model, args.variant), args.scale)
