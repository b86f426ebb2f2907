"""eat/play wall time per model and lesson: the tutorial's 2 s (concurrent) vs 3 s (blocked).

Each round is one ``eat_play.run(variant, scale)`` call inside a worker started the way the
variant needs (patched or not, which loop: ``shared.spec.lesson_kind``). ``value`` is the
round's wall time at the given ``scale``; the tutorial's seconds are ``value / scale``. The
report reads these against ``thread/serial`` to give the verdicts "2 s, not 3 s", "greenlet
does not switch on I/O" and "unpatched time.sleep blocks gevent".
"""

from __future__ import annotations

import pytest

from shared import spec
from shared.bench import timing
from shared.harness.fixtures import Workers

CASES = [
    pytest.param(model, variant, id=f"{model}-{variant}")
    for model in spec.MODELS
    for variant in spec.VARIANTS[model]
]


@pytest.mark.benchmark(group="wall_s eat/play")
@pytest.mark.parametrize(("model", "variant"), CASES)
def test_eat_play_wall(
    benchmark: object, workers: Workers, quick: bool, model: str, variant: str
) -> None:
    # scale 0.25: eat blocks 0.5 s, play 0.25 s; the harness's ~0.15 ms is far below 1 %
    scale = 0.1 if quick else 0.25
    worker = workers.get(spec.lesson_kind(model, variant))
    timed = timing.time_calls(
        benchmark,
        worker,
        "eat_play.run",
        {"variant": variant, "scale": scale},
        rounds=2 if quick else 3,
        warmup_rounds=0,
    )
    timing.record(
        benchmark,
        model=model,
        variant=variant,
        scenario="eat_play",
        metric="wall_s",
        value=timed.median_s,
        unit="s",
        timed=timed,
        scale=scale,
        tutorial_seconds=None if timed.median_s is None else timed.median_s / scale,
    )
