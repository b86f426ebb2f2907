"""The pytest glue: what this session recorded, and the one summary printed at its end.

``benchmarks/conftest.py`` calls :func:`keep_untimed` at each benchmark's teardown and
:func:`terminal_summary` once the run is over; a benchmark that reads an earlier row of the
session (``benchmarks/test_fetch.py``: wrk's rate at the same point, the model's own client
beside httpx) calls :func:`find`. The figures themselves live where pytest-benchmark keeps
them (its session's benchmarks, each with its ``extra_info``); the one piece of state this
module adds to the pytest config is the stash of untimed rows, which pytest-benchmark drops.

At the end of ``pytest benchmarks/``::

    ========================= switchbench: models side by side =========================
    switch_ns — Event ping-pong switch, per one-way handoff ... (shared.report.terminal)
    ...
    report: benchmark-report/report.md (results: results.json)
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from shared.report.results import results_from_json
from shared.report.terminal import terminal_lines
from shared.report.write import write_report, written_lines

#: benchmarks that recorded switchbench fields without being timed, as JSON entries
UNTIMED = pytest.StashKey[list[dict[str, Any]]]()


def _untimed(config: pytest.Config) -> list[dict[str, Any]]:
    return config.stash.setdefault(UNTIMED, [])


def _timed(config: pytest.Config) -> list[Any]:
    """pytest-benchmark's records of this session's timed benchmarks (errors left out)."""
    bs = getattr(config, "_benchmarksession", None)
    return [b for b in (bs.benchmarks if bs is not None else []) if not b.has_error]


def keep_untimed(item: pytest.Item) -> None:
    """Keep a benchmark's fields when it ran without stats.

    pytest-benchmark keeps timed benchmarks only; without this, a benchmark would vanish with
    its ``extra_info`` when it ran untimed (--benchmark-disable) or recorded why it has no
    figure and skipped (a fetch pair too slow for a point). Call at teardown, before the
    fixtures go.
    """
    fixture = (getattr(item, "funcargs", None) or {}).get("benchmark")
    if fixture is None or getattr(fixture, "stats", None) is not None:
        return
    if getattr(fixture, "has_error", False):
        return
    info = getattr(fixture, "extra_info", None)
    if not isinstance(info, dict) or "metric" not in info:
        return
    _untimed(item.config).append(
        {
            "group": getattr(fixture, "group", None),
            "name": getattr(fixture, "name", item.name),
            "fullname": getattr(fixture, "fullname", item.nodeid),
            "params": getattr(fixture, "params", None),
            "param": getattr(fixture, "param", None),
            "extra_info": json.loads(json.dumps(info, default=str)),
            "options": {},
            "stats": None,
        }
    )


def find(config: pytest.Config, **match: Any) -> dict[str, Any] | None:
    """The ``extra_info`` of a benchmark this session already recorded whose fields equal
    ``match``: the latest timed one, else the latest untimed one; None when none does."""
    timed = [b.extra_info for b in _timed(config)]
    untimed = [e["extra_info"] for e in _untimed(config)]
    for info in [*reversed(timed), *reversed(untimed)]:
        if "metric" in info and all(info.get(k) == v for k, v in match.items()):
            return info
    return None


def session_json(config: pytest.Config) -> dict[str, Any] | None:
    """This session's results in pytest-benchmark's JSON form (untimed ones appended)."""
    bs = getattr(config, "_benchmarksession", None)
    timed = _timed(config)
    untimed = list(_untimed(config))
    if not timed and not untimed:
        return None
    from datetime import UTC, datetime

    data: dict[str, Any] = {
        "machine_info": {},
        "commit_info": {},
        "benchmarks": [],
        "datetime": datetime.now(UTC).isoformat(),
    }
    if timed and bs is not None:
        from pytest_benchmark.utils import safe_dumps

        hook = config.hook
        machine_info = bs.get_machine_info()
        commit_info = hook.pytest_benchmark_generate_commit_info(config=config)
        hook.pytest_benchmark_update_commit_info(config=config, commit_info=commit_info)
        data = hook.pytest_benchmark_generate_json(
            config=config,
            benchmarks=timed,
            include_data=True,
            machine_info=machine_info,
            commit_info=commit_info,
        )
        hook.pytest_benchmark_update_json(config=config, benchmarks=timed, output_json=data)
        data = json.loads(safe_dumps(data))
    data["benchmarks"].extend(untimed)
    args = list(getattr(config.invocation_params, "args", ()))
    data["switchbench"] = {
        "command": "pytest " + shlex.join(args),
        "timings_disabled": bool(bs is not None and bs.disabled),
    }
    return data


def terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the comparison and write the report (``--report-dir``) for this session."""
    tr = terminalreporter
    tr.write_sep("=", "switchbench: models side by side")
    data = session_json(config)
    if data is None:
        tr.write_line("no switchbench benchmark ran in this session: no comparison, no report.")
        return
    results = results_from_json(data)
    if not results.rows and not results.scale:
        tr.write_line("no benchmark in this session recorded switchbench fields: no report.")
        return
    for line in terminal_lines(results):
        tr.write_line(line)
    tr.write_line("")
    out_dir = Path(config.getoption("--report-dir"))
    if not out_dir.is_absolute():
        out_dir = Path(config.invocation_params.dir) / out_dir
    try:
        written = write_report(results, data, out_dir)
    except Exception as exc:  # the run's results stand; say why the report is missing
        tr.write_line(f"report not written to {out_dir}: {type(exc).__name__}: {exc}", red=True)
        return
    for line in written_lines(written):
        tr.write_line(line)
