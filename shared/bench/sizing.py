"""How big a fetch round is: sized by time from probe rounds, not by count.

Short probe rounds at the point measure the pair's rate, and the timed rounds get about
``budget_s`` worth of requests at that rate, never more than the ideal rate allows and always
whole waves of ``concurrency`` requests (so that with a server delay the ideal
``concurrency / delay`` is reachable). A slow pair gets fewer requests and rounds, not a
longer run; a pair that cannot finish one wave of ``concurrency`` requests within
:data:`PROBE_DEADLINE_S` is reported as such, not waited for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from shared.bench import sweep

#: seconds per timed round without and with a server delay, and timed rounds per point.
#: Every fetch_all pays a fixed start-up (its client, its connections: ~50 ms at concurrency
#: 100 on 2 cores) and its first wave meets a cold pool, so a delayed round needs many waves
#: for the rate to reflect the steady state. Measured at c=100, 50 ms: 30-wave rounds read
#: 1-3 points of efficiency below 60-wave ones. 2 s = 40 waves of 50 ms, the full run's
#: compromise: with 3 s it took 10 min 3 s, over its 10 minutes (c=1000 at 50 ms alone
#: timed 76 s of rounds)
BUDGET_S = 0.6
DELAY_BUDGET_S = 2.0
QUICK_BUDGET_S = 0.15
#: a round is long enough when the run's start-up is at most this share of it (few
#: connections start fast: their rounds can be shorter), but at least MIN_BUDGET_S
STARTUP_SHARE = 1 / 60
MIN_BUDGET_S = 0.3
ROUNDS = 3
QUICK_ROUNDS = 2
#: timed rounds at a point with bare rounds interleaved (sweep.BARE_CONCURRENCY) and no
#: server delay: fetch/bare is the median over the round pairs, which spread by 6 points in
#: one full run (asyncio + aiohttp's three: 0.86 to 0.92), so one noisy pair of three moves
#: it. Rounds there are short (BUDGET_S): two more pairs cost a fast pair about 2.4 s
BARE_ROUNDS = 5
#: a timed round holds at least this many waves, as the steady probe does. A one-wave round
#: times a pool filling up: a client whose pool slows down once its connections are in use
#: reads its first wave's rate (asyncio + httpx at 50 ms, c=100: 460 req/s for 100 requests,
#: 104-109 for 300 or 600, in one process; full runs reported 464-467)
MIN_WAVES = 3
#: a warm-up round before the probe (imports, first client): a few requests, not timed
WARMUP_REQUESTS = 10
#: at delay 0 a probe round has at least this many requests, so its rate means something
PROBE_MIN_REQUESTS = 50
#: a pair whose steady rate is at least this fraction of the ideal, or whose one-wave rate
#: (start-up included) is at least the second, is sized at the ideal: two probes, so that one
#: disturbed by the machine cannot shorten a fast pair's rounds
KEEPS_UP = 0.5
KEEPS_UP_ONE_WAVE = 0.4
#: a probe bigger than this is preceded by one of this size, to tell whether a whole wave
#: can finish in time
SMALL_PROBE_REQUESTS = 100
#: a wave that takes longer than this is given up: the pair cannot serve this concurrency in
#: a bounded run; its worker is killed and the point says so. gevent + httpx's wave of 1,000
#: (5.6 s) fits; asyncio + httpx's did not finish in 10 s either
PROBE_DEADLINE_S = 8.0


def probe_requests(concurrency: int, delay_ms: int) -> int:
    """One full wave; at delay 0 at least :data:`PROBE_MIN_REQUESTS`."""
    return concurrency if delay_ms > 0 else max(concurrency, PROBE_MIN_REQUESTS)


#: --quick rounds at these concurrencies are as long as a full run's (none: a quick run with
#: full-length c=100 rounds took 116 s against a budget of 90 s, so quick fetch figures are
#: labelled a smoke run instead, see QUICK_NOTE)
QUICK_FULL_CONCURRENCY: tuple[int, ...] = ()
QUICK_NOTE = (
    "smoke run, not a measurement (--quick: rounds of {budget:g} s, mostly the opening of "
    "the connections at high concurrency)"
)


def budget_s(delay_ms: int, quick: bool, concurrency: int = 0) -> float:
    if quick and concurrency not in QUICK_FULL_CONCURRENCY:
        return QUICK_BUDGET_S
    return DELAY_BUDGET_S if delay_ms > 0 else BUDGET_S


def size_requests(concurrency: int, delay_ms: int, rate: float, budget_s: float) -> int:
    """Requests for a round of about ``budget_s`` at ``rate`` (never above the ideal), in
    whole waves of ``concurrency`` (at least one)."""
    if rate <= 0 or budget_s <= 0:
        raise ValueError("rate and budget_s must be > 0")
    waves = max(1, round(_capped(concurrency, delay_ms, rate) * budget_s / concurrency))
    return waves * concurrency


def rounds_for(
    concurrency: int, delay_ms: int, rate: float, requests: int, budget_s: float, max_rounds: int
) -> int:
    """``max_rounds``, or fewer when one round at ``rate`` is much longer than ``budget_s``: a
    slow pair gets fewer rounds, never much more than ``max_rounds * budget_s`` beyond one
    round (a quarter more, so that whole waves rounding a round up keep every round)."""
    round_s = requests / _capped(concurrency, delay_ms, rate)
    return _rounds_within(1.25 * max_rounds * budget_s, round_s, max_rounds)


def slow_rounds(round_s: float, budget_s: float, max_rounds: int) -> int:
    """Rounds for a slow pair whose one round takes about ``round_s``: as many as fit in the
    time a fast pair's rounds take (``max_rounds * budget_s``), at least one. One round has
    no spread, and a slow spell of the machine that hits it alone can turn a ranking over
    (seen at 0 ms, concurrency 1000, beside a neighbour that keeps a core busy half the time:
    asyncio + aiohttp, one 0.36 s round, read 0.41x gevent + geventhttpclient's rate in one
    run and 1.16x in the next, with no spread to call it a tie)."""
    return _rounds_within(max_rounds * budget_s, round_s, max_rounds)


def _rounds_within(total_s: float, round_s: float, max_rounds: int) -> int:
    """How many rounds of ``round_s`` fit in ``total_s``: at least one, at most ``max_rounds``."""
    if round_s <= 0:
        return max_rounds
    return min(max_rounds, max(1, math.floor(total_s / round_s)))


def steady_rate(wave: int, one_s: float, three_s: float) -> float:
    """Requests per second once a run is going: two more waves cost ``three_s - one_s``.

    A run's fixed start-up (client, connections) is in both. Kept between the three-wave
    average and twice that, so a noisy difference cannot run away.
    """
    average = 3 * wave / three_s
    if three_s <= one_s:
        return average
    return min(max(2 * wave / (three_s - one_s), average), 2 * average)


def _capped(concurrency: int, delay_ms: int, rate: float) -> float:
    ideal = sweep.ideal_rate(concurrency, delay_ms)
    return rate if ideal is None else min(rate, ideal)


@dataclass(frozen=True)
class RoundPlan:
    """How the timed rounds of one pair at one point are run, and what the probes saw."""

    requests: int
    rounds: int
    #: one wave given up after the deadline instead of probed (a pair too slow to probe)
    bounded: bool
    #: requests per second of the first probe, and the steady rate if it was measured
    probe_req_per_s: float
    steady_req_per_s: float | None
    #: what one wave took beyond its share at the sizing rate (the run's start-up), if probed
    startup_s: float | None
    #: every probe round's summary (for their errors)
    probes: tuple[dict[str, Any], ...]
    #: the seconds a round was sized for
    budget_s: float


class Run(Protocol):
    def __call__(self, requests: int, deadline_s: float | None) -> dict[str, Any]: ...


def size_rounds(
    run: Run,
    concurrency: int,
    delay_ms: int,
    *,
    budget_s: float,
    max_rounds: int,
    deadline_s: float,
) -> RoundPlan:
    """Size the timed rounds from probe rounds, each ``run(requests, deadline_s)``.

    1. :data:`SMALL_PROBE_REQUESTS` at most: if a whole wave would take more than a quarter
       of ``deadline_s`` at that rate, the pair gets one timed wave with a deadline (bounded).
    2. Else one wave (when the first probe was less), under ``deadline_s``. A wave longer
       than a third of the budget makes a slow pair: timed rounds of at least two waves,
       sized at that rate, as many as fit in the time a fast pair's take (:func:`slow_rounds`).
    3. Else three waves: the difference is the steady rate, without the run's start-up,
       which a one-wave probe would count against it. A pair that keeps up with the ideal
       (:data:`KEEPS_UP`) is sized at the ideal (so its rounds are long enough to show how
       close it gets); others at their steady rate. Rounds last ``budget_s`` at
       most, less when the start-up is small anyway (:data:`STARTUP_SHARE`), and hold
       :data:`MIN_WAVES` waves at least.
    ``run`` raises what it raises when a deadline passes.
    """
    wave = probe_requests(concurrency, delay_ms)
    small_n = min(wave, SMALL_PROBE_REQUESTS)
    probes = [run(small_n, None)]
    rate = small_n / probes[-1]["elapsed_s"]
    if wave > small_n and wave / rate > deadline_s / 4:
        return RoundPlan(
            requests=wave,
            rounds=1,
            bounded=True,
            probe_req_per_s=rate,
            steady_req_per_s=None,
            startup_s=None,
            probes=tuple(probes),
            budget_s=budget_s,
        )
    if wave > small_n:
        probes.append(run(wave, deadline_s))
        rate = wave / probes[-1]["elapsed_s"]
    one_s = probes[-1]["elapsed_s"]
    if one_s > budget_s / 3:
        # two waves when they fit in the point's time: the first opens the connections, the
        # next reuses them, as any longer run does (a pool that slows down once full shows)
        waves = 2 if 2 * one_s <= max_rounds * budget_s else 1
        requests = max(waves * wave, size_requests(concurrency, delay_ms, rate, budget_s))
        return RoundPlan(
            requests=requests,
            rounds=slow_rounds(requests / rate, budget_s, max_rounds),
            bounded=False,
            probe_req_per_s=rate,
            steady_req_per_s=None,
            startup_s=None,
            probes=tuple(probes),
            budget_s=budget_s,
        )
    probes.append(run(3 * wave, deadline_s))
    steady = steady_rate(wave, one_s, probes[-1]["elapsed_s"])
    ideal = sweep.ideal_rate(concurrency, delay_ms)
    if ideal is not None and (steady >= KEEPS_UP * ideal or rate >= KEEPS_UP_ONE_WAVE * ideal):
        sizing = ideal
    else:
        sizing = steady
    # what a wave costs beyond its share at that rate; rounds no longer than it takes for this
    # start-up to be a small part of them
    startup = max(0.0, one_s - wave / sizing)
    budget_s = min(budget_s, max(MIN_BUDGET_S, startup / STARTUP_SHARE))
    requests = max(size_requests(concurrency, delay_ms, sizing, budget_s), MIN_WAVES * wave)
    rounds = rounds_for(concurrency, delay_ms, sizing, requests, budget_s, max_rounds)
    return RoundPlan(
        requests=requests,
        rounds=rounds,
        bounded=False,
        probe_req_per_s=rate,
        steady_req_per_s=steady,
        startup_s=startup,
        probes=tuple(probes),
        budget_s=budget_s,
    )
