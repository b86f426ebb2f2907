"""The report's Behaviour section: what happened when things went wrong, per model.

Input: the rows ``benchmarks/test_behaviour.py`` records, as plain dicts (each benchmark's
``extra_info``: ``metric == "behaviour"``, ``scenario``, ``kind``, ``model`` and the
scenario's result fields). Nothing here reads anything else, so the section can be wired
into any renderer:

- :func:`table`: scenarios by worker kinds, each cell the observed outcome with its figure;
- :func:`claims`: the tutorial's two claims this measures, as (claim, verdict, evidence);
- :func:`guide`: the decision guide's advice these figures support, each citing them;
- :func:`terminal_lines` and :func:`markdown`: the section as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from shared import spec
from shared.report.fmt import table_lines
from shared.report.metrics import BEHAVIOUR, FAILS, HOLDS, NOT_IN_RUN, NOT_MEASURED

METRIC = BEHAVIOUR
PARTLY = "holds only with no switch point inside"
#: a sibling held up for at least this share of the C call was held for the whole of it
HELD_SHARE = 0.8

Row = dict[str, Any]


class Verdict(NamedTuple):
    claim: str
    verdict: str
    evidence: str


class Advice(NamedTuple):
    topic: str
    text: str


def rows_in(results: Any) -> list[Row]:
    """The behaviour rows of a report's ``Results`` (their ``extra_info``)."""
    return [r.info for r in results.of(METRIC)]


def kind_of(row: Row) -> str:
    """The row's worker kind id (``asyncio-uvloop``), from ``kind`` or model and variant."""
    if isinstance(row.get("kind"), str):
        return row["kind"]
    model, variant = row.get("model"), row.get("variant")
    return next((k.id for k in spec.RUNNERS if (k.model, k.variant) == (model, variant)), model)


def _kinds(rows: Iterable[Row]) -> list[str]:
    """The kinds of ``rows``, in the registry's order (unknown ones last)."""
    present = {kind_of(r) for r in rows}
    order = [k.id for k in spec.RUNNERS]
    return [k for k in order if k in present] + sorted(present - set(order))


def _by_kind(rows: Iterable[Row], scenario: str) -> dict[str, Row]:
    """The last row of ``scenario`` per kind, in the registry's order of kinds."""
    found = {kind_of(r): r for r in rows if r.get("scenario") == scenario}
    return {k: found[k] for k in _kinds(found.values())}


def _ms(x: Any) -> str:
    return "—" if not isinstance(x, int | float) else f"{x:.0f} ms" if x >= 10 else f"{x:.1f} ms"


def _is_coroutine(kind: str) -> bool:
    return not kind.startswith("thread")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _figures(by_kind: dict[str, Row], fmt: Callable[[Row], str]) -> str:
    return ", ".join(f"{k} {fmt(r)}" for k, r in by_kind.items())


# --- the table -------------------------------------------------------------------------------


def _python_wait(r: Row) -> str:
    p = r["python_wait"]
    end = f"stopped {_ms(p['stopped_at_ms'])}" if p["stopped"] else "not stopped"
    cleanup = ", cleanup ran" if p["cleanup_ran"] else ", NO cleanup"
    return f"cancel at {_ms(p['cancel_at_ms'])}, {end}{cleanup}"


def _c_block(r: Row) -> str:
    c = r["c_block"]
    end = f"stopped {_ms(c['stopped_at_ms'])}" if c["stopped"] else "not stopped"
    return f"cancel issued at {_ms(c['cancel_at_ms'])} (block {_ms(c['block_ms'])}), {end}"


def _trap(r: Row) -> str:
    t = r.get("trap") or {}
    if not t:
        return "—"
    if t["timed_out"]:
        return (
            f"caller's timeout at {_ms(t['returned_at_ms'])}; the work ran on to "
            f"{_ms(t['work_ended_at_ms'])}"
        )
    return f"timeout swallowed ({t['swallowed']}x): caller back at {_ms(t['returned_at_ms'])}"


def _blocking(r: Row) -> str:
    lag = f"sibling lag {_ms(r['sibling_lag_ms'])}"
    if not r["detected"]:
        return f"{lag}; {'no detector' if r.get('detector') is None else 'not detected'}"
    when = r.get("reported_at_ms")
    at = "" if when is None else f", {_ms(when)} into the call"
    return f"{lag}; detector names {r['named']}{at}"


def _failure(r: Row) -> str:
    siblings = r.get("tasks", 10) - 1
    return (
        f"raised to caller: {'yes' if r['raised_to_caller'] else 'no'}, "
        f"{r['siblings_cancelled']}/{siblings} cancelled, "
        f"{r['sibling_steps_after_failure']} steps after, {r['left_running']} left running"
    )


def _unstructured(r: Row) -> str:
    u = r.get("unstructured")
    return "—" if not u else f"{u['how']}: " + _failure({**u, "tasks": r.get("tasks", 10)})


def _runs(part: Row) -> str:
    """Lost updates of one way, with the runs it took: ``0 in 10 runs``, ``10000 on run 3``."""
    runs = part.get("tries", 1)
    if runs == 1:
        return str(part["lost"])
    return f"{part['lost']} on run {runs}" if part["lost"] else f"0 in {runs} runs"


def _shared_state(r: Row) -> str:
    total = r["tasks"] * r["increments"]
    return (
        f"lost: no switch {_runs(r['no_switch'])}, switch inside {_runs(r['switch_inside'])}, "
        f"locked {r['locked']['lost']} (of {total})"
    )


def _c_calls(r: Row) -> str:
    return (
        f"plain {_ms(r['blocked_wall_ms'])}, offloaded {_ms(r['offloaded_wall_ms'])} "
        f"(serial {_ms(r['serial_ms'])})"
    )


def _context(r: Row) -> str:
    offload = "yes" if r["offload_sees_context"] else "no"
    local = f"; {r['local'].split(' ')[0]} {r['local_crosstalk']}" if "local" in r else ""
    return f"contextvar cross-talk {r['crosstalk']}{local}; offload sees context: {offload}"


#: the table's lines: (label, scenario, cell)
LINES: tuple[tuple[str, str, Callable[[Row], str]], ...] = (
    ("cancel: Python-level wait", "cancel", _python_wait),
    ("cancel: in a C call", "cancel", _c_block),
    ("cancel: bare except under a timeout", "cancel", _trap),
    ("blocking: a C call holds a task", "blocking", _blocking),
    ("failure: structured", "failure", _failure),
    ("failure: unstructured (the trap)", "failure", _unstructured),
    ("shared-state: lost updates", "shared-state", _shared_state),
    ("c-block: ten C calls", "c-block", _c_calls),
    ("context: per-request state", "context", _context),
)


def _cell(fmt: Callable[[Row], str], row: Row | None) -> str:
    if row is None:
        return "—"
    try:
        return fmt(row)
    except (KeyError, TypeError):  # a row from an older or broken run: say so, don't die
        return "(fields missing)"


def table(rows: list[Row]) -> tuple[list[str], list[list[str]]]:
    """``(header, cells)``: one line per outcome, one column per worker kind in the run."""
    kinds = _kinds(rows)
    cells = []
    for label, scenario, fmt in LINES:
        by_kind = _by_kind(rows, scenario)
        cells.append([label, *(_cell(fmt, by_kind.get(k)) for k in kinds)])
    return ["outcome", *kinds], cells


# --- the tutorial's claims -------------------------------------------------------------------

CLAIM_LOCKS = "Coroutines modify shared data without locks (修改共享数据不需加锁)"
CLAIM_HOLD = "Coroutines hold the CPU and run only our own tasks (协程会长期霸占cpu)"


def _coroutines(by_kind: dict[str, Row]) -> dict[str, Row]:
    return {k: r for k, r in by_kind.items() if _is_coroutine(k)}


def _threads(by_kind: dict[str, Row]) -> dict[str, Row]:
    return {k: r for k, r in by_kind.items() if not _is_coroutine(k)}


def _lost(part: str) -> Callable[[Row], str]:
    """The lost updates of one way of incrementing (``no_switch``, ...) as a figure."""
    return lambda r: _runs(r[part])


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:g} µs" if seconds < 1e-3 else f"{seconds * 1e3:g} ms"


def _locks_claim(rows: list[Row]) -> Verdict:
    by_kind = _by_kind(rows, "shared-state")
    coros = _coroutines(by_kind)
    if not coros:
        return Verdict(CLAIM_LOCKS, NOT_MEASURED, f"shared-state {NOT_IN_RUN}")
    r0 = next(iter(coros.values()))
    evidence = (
        f"{r0['tasks']} tasks x {r0['increments']} read-modify-write increments of one counter: "
        f"with no switch point inside, lost {_figures(coros, _lost('no_switch'))}; "
        "with one inside (an await; in gevent a patched time.sleep(0), which nothing in the "
        f"code marks), lost {_figures(coros, _lost('switch_inside'))}; "
        f"under each model's lock, lost {_figures(by_kind, _lost('locked'))}"
    )
    threads = _threads(by_kind)
    if threads:

        def thread_figures(r: Row) -> str:
            inside = r["switch_inside"]
            return (
                f"{_runs(r['no_switch'])} at the default switch interval and {_runs(inside)} "
                f"at {_us(inside['switch_interval_s'])}"
            )

        evidence += (
            f"; threads, with no switch point in the code at all, lost: "
            f"{_figures(threads, thread_figures)}"
        )
    if any(r["no_switch"]["lost"] for r in coros.values()):
        verdict = FAILS
    elif any(r["switch_inside"]["lost"] for r in coros.values()):
        verdict = PARTLY
    else:
        verdict = HOLDS
    return Verdict(CLAIM_LOCKS, verdict, evidence)


def _hold_claim(rows: list[Row]) -> Verdict:
    by_kind = _by_kind(rows, "blocking")
    coros = _coroutines(by_kind)
    if not coros:
        return Verdict(CLAIM_HOLD, NOT_MEASURED, f"blocking {NOT_IN_RUN}")
    held = all(r["sibling_lag_ms"] >= HELD_SHARE * r["block_ms"] for r in coros.values())
    block = max(r["block_ms"] for r in coros.values())
    evidence = (
        f"while one task sat in a {_ms(block)} C call, its sibling (due every 10 ms) waited "
        f"{_figures(coros, lambda r: _ms(r['sibling_lag_ms']))}: a coroutine keeps its thread "
        "until it yields, and nothing preempts it"
    )
    threads = _threads(by_kind)
    if threads:
        lags = _figures(threads, lambda r: _ms(r["sibling_lag_ms"]))
        evidence += f"; in threads it waited {lags}: the interpreter and the OS switch threads"
    c_coros = _coroutines(_by_kind(rows, "c-block"))
    if c_coros:
        serial = next(iter(c_coros.values()))["serial_ms"]
        walls = _figures(c_coros, lambda r: _ms(r["blocked_wall_ms"]))
        evidence += f"; ten C calls from coroutines took {walls} (serial {_ms(serial)})"
    evidence += (
        f". Held means a lag of at least {HELD_SHARE:.0%} of the call. What is held is the "
        "thread and its loop: the C call here sleeps; a computing task holds the CPU as well"
    )
    return Verdict(CLAIM_HOLD, HOLDS if held else FAILS, evidence)


def claims(rows: list[Row]) -> list[Verdict]:
    """The tutorial's two claims these scenarios test, each with its verdict and figures."""
    return [_locks_claim(rows), _hold_claim(rows)]


# --- the decision guide ----------------------------------------------------------------------


def _models(kinds: Iterable[str]) -> str:
    names = list(dict.fromkeys(k.split("-")[0] for k in kinds))
    return " or ".join(names) if names else "none of the measured models"


def _cancel_advice(by_kind: dict[str, Row]) -> str:
    def took(r: Row) -> str:
        p = r["python_wait"]
        return "not stopped" if not p["stopped"] else _ms(p["stopped_at_ms"] - p["cancel_at_ms"])

    def c_call(r: Row) -> str:
        c = r["c_block"]
        return f"cancel issued at {_ms(c['cancel_at_ms'])}, stopped {_ms(c['stopped_at_ms'])}"

    quick = [k for k, r in by_kind.items() if _is_coroutine(k) and r["python_wait"]["stopped"]]
    block = max(r["c_block"]["block_ms"] for r in by_kind.values())
    text = (
        f"**{_models(quick)}** — a task waiting on Python-level I/O stopped this long after "
        f"its cancel: {_figures(by_kind, took)} (asyncio Task.cancel, gevent Greenlet.kill; "
        "threads only cooperatively, through a stop flag and by shutting down the socket: a "
        f"running thread cannot be killed). Nothing stops a C call: in a {_ms(block)} block, "
        f"{_figures(by_kind, c_call)}; in asyncio and gevent the cancel itself could not be "
        "issued before the call returned, the canceller waiting on the same loop or hub"
    )
    traps = {k: r["trap"] for k, r in _coroutines(by_kind).items() if r.get("trap")}
    if traps:
        back = _figures(traps, lambda t: _ms(t["returned_at_ms"]))
        timeout = _ms(next(iter(traps.values()))["timeout_ms"])
        text += (
            ". Never wrap a wait in a bare `except:` or `except BaseException:`: it swallows "
            f"CancelledError and gevent.Timeout, and the caller of a {timeout} timeout got "
            f"control back at {back}, never told"
        )
    return text


def _c_driver_advice(by_kind: dict[str, Row]) -> str:
    r0 = next(iter(by_kind.values()))
    overlap = [k for k, r in by_kind.items() if r["blocked_wall_ms"] < 0.5 * r["serial_ms"]]
    coros = _coroutines(by_kind)
    text = (
        f"**{_models(overlap)}** — {r0['calls']} C calls of {_ms(r0['call_ms'])} each (serial "
        f"{_ms(r0['serial_ms'])}) took {_figures(by_kind, lambda r: _ms(r['blocked_wall_ms']))} "
        "with each model's plain concurrency"
    )
    if coros:
        offloads = _figures(coros, lambda r: f"{_ms(r['offloaded_wall_ms'])} ({r['offload']})")
        text += (
            f"; from coroutines they run one after another unless offloaded: {offloads}. "
            "monkey.patch_all() swaps Python's socket, ssl, select, time and threading, not a C "
            "extension's own calls: a C driver (psycopg2 without psycogreen) blocks the hub the "
            "same way"
        )
    return text


def _shared_state_advice(by_kind: dict[str, Row]) -> str:
    coros, threads = _coroutines(by_kind), _threads(by_kind)
    text = (
        "**the model's own lock, in every model** — under it no update was lost "
        f"({_figures(by_kind, _lost('locked'))})"
    )
    if coros:
        text += (
            "; without it coroutines lost nothing only while no switch point sat between the "
            f"read and the write ({_figures(coros, _lost('no_switch'))}), "
            f"and {_figures(coros, _lost('switch_inside'))} with one; in "
            "gevent any patched call (a socket, a lock, time.sleep) is one, and nothing in the "
            "code shows it"
        )
    if threads:
        lost = _figures(threads, _lost("switch_inside"))
        text += f"; threads lost updates with no switch point in the code at all ({lost})"
    return text


def _detector_advice(by_kind: dict[str, Row]) -> str:
    coros = _coroutines(by_kind)
    if not coros:
        return f"blocking in gevent or asyncio {NOT_IN_RUN}"
    during = [k for k, r in coros.items() if r["detected"] and r["reported_at_ms"] < r["block_ms"]]

    def report(r: Row) -> str:
        if not r["detected"]:
            return "reported nothing"
        return f"named {r['named']} {_ms(r['reported_at_ms'])} into a {_ms(r['block_ms'])} call"

    text = (
        f"**{_models(during)}** tells you while the block lasts, and where: "
        f"{_figures(coros, report)}. gevent's monitor thread reads the blocked thread's stack "
        "(the innermost frame is the C call's caller) and the greenlet; asyncio's debug mode "
        "(loop.set_debug, slow_callback_duration; uvloop honours both) times each step and "
        "names only the task's coroutine, once it has returned"
    )
    threads = _threads(by_kind)
    if threads:
        lags = _figures(threads, lambda r: _ms(r["sibling_lag_ms"]))
        text += f"; threads have no detector and needed none: the sibling lagged {lags}"
    return text


#: the guide's topics: (topic, scenario, its advice from that scenario's rows by kind)
ADVICE: tuple[tuple[str, str, Callable[[dict[str, Row]], str]], ...] = (
    ("Work you must be able to cancel", "cancel", _cancel_advice),
    ("Code that calls C drivers", "c-block", _c_driver_advice),
    ("Code that mutates shared state", "shared-state", _shared_state_advice),
    ("Knowing when the loop is blocked", "blocking", _detector_advice),
)


def guide(rows: list[Row]) -> list[Advice]:
    """The decision guide's advice these figures support, each citing them."""
    out = []
    for topic, scenario, write in ADVICE:
        by_kind = _by_kind(rows, scenario)
        out.append(Advice(topic, (write(by_kind) if by_kind else f"{scenario} {NOT_IN_RUN}") + "."))
    return out


# --- as text ---------------------------------------------------------------------------------


def terminal_lines(rows: list[Row]) -> list[str]:
    """The section's table for a terminal: each outcome with one line per kind (the verdicts
    and the advice join the report's own). Empty when the run recorded no behaviour rows."""
    if not rows:
        return []
    header, cells = table(rows)
    width = max(len(k) for k in header[1:])
    out = ["Behaviour: what happens when things go wrong (one run per kind)"]
    for line in cells:
        out.append(f"  {line[0]}")
        out += [f"    {k:<{width}}  {cell}" for k, cell in zip(header[1:], line[1:], strict=True)]
    return out


def markdown_lines(rows: list[Row]) -> list[str]:
    """The section for report.md (``## Behaviour``): the outcomes by kind."""
    out = ["## Behaviour", ""]
    if not rows:
        return [*out, f"{NOT_IN_RUN}.", ""]
    out += ["What happens when things go wrong: one run per worker kind.", ""]
    header, cells = table(rows)
    return [*out, *table_lines(header, cells, markdown=True, text=header), ""]
