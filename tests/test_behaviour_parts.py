"""The model-free parts of the behaviour scenarios: the C stand-in, the JSON contract, the
arithmetic on what the tasks logged. These run in the pytest process (no model code)."""

from __future__ import annotations

import threading
import time

import pytest

from shared import spec
from shared.scenarios import failure, probe, shared_state
from shared.scenarios.cdriver import blocking_call


def test_blocking_call_blocks_at_least_its_time() -> None:
    t0 = time.perf_counter()
    blocking_call(30)
    assert time.perf_counter() - t0 >= 0.030


def test_blocking_call_releases_the_gil() -> None:
    # two threads in it at once overlap: the GIL is released for the C call
    threads = [threading.Thread(target=blocking_call, args=(150,)) for _ in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.perf_counter() - t0 < 1.6 * 0.150


@pytest.mark.parametrize("ms", [-1, 1000, float("nan"), True, "5"])
def test_blocking_call_refuses_what_usleep_cannot_do(ms: object) -> None:
    with pytest.raises(ValueError, match="blocking_call takes 0..999 ms"):
        blocking_call(ms)  # type: ignore[arg-type]


def test_every_scenario_is_registered_once_with_its_files() -> None:
    names = [b.name for b in spec.BEHAVIOURS]
    assert names == ["cancel", "blocking", "failure", "shared-state", "c-block", "context"]
    assert [b.module for b in spec.BEHAVIOURS] == [n.replace("-", "_") for n in names]
    assert spec.check_behaviour("c-block").run_fn == "c_block.run"
    with pytest.raises(ValueError, match="unknown scenario 'nope': choose one of cancel, "):
        spec.check_behaviour("nope")


CANCEL_OK = {
    "python_wait": {
        "stopped": True,
        "cancel_at_ms": 100.2,
        "stopped_at_ms": 101.0,
        "cleanup_ran": True,
    },
    "c_block": {
        "stopped": False,
        "block_ms": 300.2,
        "cancel_at_ms": 300.2,
        "stopped_at_ms": None,
        "cleanup_ran": True,
    },
    "trap": {"extra": "fields are fine"},
}


def test_the_contract_accepts_a_good_result_and_names_each_fault() -> None:
    fields = spec.BEHAVIOUR["cancel"].fields
    assert probe.field_problems(fields, CANCEL_OK) == []
    bad = {
        "python_wait": {**CANCEL_OK["python_wait"], "cancel_at_ms": 100, "stopped": 1},
        "c_block": {k: v for k, v in CANCEL_OK["c_block"].items() if k != "cleanup_ran"},
    }
    assert probe.field_problems(fields, bad) == [
        "python_wait.stopped is int 1, not bool",
        "python_wait.cancel_at_ms is int 100, not float",
        "c_block.cleanup_ran is missing",
    ]
    assert probe.field_problems(fields, []) == ["result is list, not an object"]
    with pytest.raises(ValueError, match="cancel result breaks the contract: c_block is missing"):
        probe.checked("cancel", {"python_wait": CANCEL_OK["python_wait"]})


def test_the_headline_is_read_from_its_field() -> None:
    cancel_ = spec.BEHAVIOUR["cancel"]
    assert probe.headline_value(cancel_, CANCEL_OK) is None  # stopped_at_ms is null here
    assert probe.headline_value(cancel_, {"c_block": {"stopped_at_ms": 300.5}}) == 300.5
    lost = {"switch_inside": {"lost": 45000}}
    assert probe.headline_value(spec.BEHAVIOUR["shared-state"], lost) == 45000.0
    assert probe.headline_value(spec.BEHAVIOUR["context"], {"crosstalk": True}) is None


def test_a_clock_read_before_it_starts_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="before it started"):
        probe.Clock().ms()
    assert probe.Clock().start().ms() >= 0


def test_get_request_builds_one_closing_get() -> None:
    host, port, request = probe.get_request("http://127.0.0.1:8080/delay/20")
    assert (host, port) == ("127.0.0.1", 8080)
    assert request == (
        b"GET /delay/20 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n"
    )
    with pytest.raises(ValueError, match="need the test server's http://host:port URL"):
        probe.get_request("https://example.com/")


def test_steps_after_the_failure_are_the_siblings_later_steps() -> None:
    assert failure.FAILING == 3
    log = failure.Log(5)
    log.steps = [[0.0, 50.0, 100.5, 150.0], [0.0, 50.0], [0.0, 99.0, 101.0], [200.0], []]
    log.failed_at_ms = 100.0
    # strictly after the failure, and never the failing task's own
    assert log.steps_after_failure() == 3
    with pytest.raises(RuntimeError, match="no task failed"):
        failure.Log(2).steps_after_failure()


def test_a_tally_counts_what_the_counter_lost() -> None:
    tally = shared_state.Tally(tasks=2, increments=3)
    tally.counter.write(4)
    assert tally.part()["lost"] == 2
    with pytest.raises(ValueError, match="need tasks >= 1"):
        shared_state.Tally(tasks=0, increments=3)
