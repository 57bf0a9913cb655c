"""The bench report's arithmetic: percentiles, what counts as sustained, the markdown; the
rates it climbs."""

from __future__ import annotations

import argparse

import pytest

from streampay_infra.bench import report
from streampay_infra.bench.__main__ import rate_list

pytestmark = pytest.mark.unit


def test_percentiles_of_a_run() -> None:
    values = [float(n) for n in range(1, 101)]
    found = report.percentiles(values)
    assert (found["p50"], found["p99"], found["max"], found["n"]) == (50.5, 99.01, 100.0, 100)
    assert report.percentiles([])["p50"] is None


def test_a_rate_is_sustained_only_without_errors_and_with_a_p99_within_250_ms() -> None:
    fast = {"sent": 3, "outcomes": {"200": 3}, "latencies_ms": [5.0, 6.0, 240.0]}
    slow = {"sent": 3, "outcomes": {"200": 3}, "latencies_ms": [5.0, 6.0, 300.0]}
    failing = {"sent": 3, "outcomes": {"200": 2, "503": 1}, "latencies_ms": [5.0, 6.0]}
    cpu = {"broker": 0.1, "streams": 0.1, "gateway": 0.1}
    assert report.rate_run(100, fast, cpu, 0.1)["sustained"]
    assert not report.rate_run(100, slow, cpu, 0.1)["sustained"]
    run = report.rate_run(100, failing, cpu, 0.1)
    assert not run["sustained"] and run["errors"] == 1


def test_the_markdown_names_the_highest_sustained_rate() -> None:
    cpu = {"broker": 0.1, "streams": 0.1, "gateway": 0.1}
    runs = [
        report.rate_run(
            100, {"sent": 2, "outcomes": {"200": 2}, "latencies_ms": [4.0, 5.0]}, cpu, 0
        ),
        report.rate_run(
            200, {"sent": 2, "outcomes": {"200": 2}, "latencies_ms": [4.0, 5e3]}, cpu, 0
        ),
    ]
    fanout = report.fanout_run(
        2, 2, {"connect_ms": [1.0, 2.0], "arrived": [10.1, 10.2]}, 10.0, 1000, 1100, cpu
    )
    results = {
        "machine": report.machine(),
        "mode": "quick",
        "rates": runs,
        "freshness_ms": [10.0, 20.0],
        "fanout": [fanout],
        "warm_up": {"rate": 50, "seconds": 15},
    }
    text = report.markdown(results)
    assert "sustained rate (zero errors, p99 ≤ 250 ms): 100 commands/s" in text
    assert "uncounted warm-up at 50 commands/s for 15 s" in text
    assert fanout["kib_per_connection"] == 50.0 and fanout["reached"] == 2


def test_rates_to_climb_can_be_given_on_the_command_line() -> None:
    assert rate_list("60,100,130") == (60, 100, 130)
    for bad in ("60,fast", "0,100", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            rate_list(bad)


def test_cpu_is_reported_in_milliseconds_per_answered_command() -> None:
    used_s = {"broker": 2.0, "streams": 5.0, "projector": 1.0, "gateway": 3.0}
    done = {"sent": 1000, "outcomes": {"200": 1000}, "latencies_ms": [5.0, 6.0]}
    run = report.rate_run(100, done, used_s, 0, wall_s=12.5)
    assert run["cpu"] == {"broker": 0.16, "streams": 0.4, "projector": 0.08, "gateway": 0.24}
    assert run["cpu_ms_per_command"] == {
        "broker": 2.0,
        "streams": 5.0,
        "projector": 1.0,
        "gateway": 3.0,
        "total": 11.0,
    }


def test_the_headline_keys_compare_runs() -> None:
    cpu = {"broker": 0.1, "streams": 0.1, "projector": 0.1, "gateway": 0.1}
    ok = {"sent": 2, "outcomes": {"200": 2}, "latencies_ms": [4.0, 50.0]}
    late = {"sent": 2, "outcomes": {"200": 2}, "latencies_ms": [4.0, 900.0]}
    fanout = report.fanout_run(
        3, 3, {"connect_ms": [1.0], "arrived": [10.1, 10.2, 10.4]}, 10.0, 1000, 1100, cpu
    )
    results = {
        "rates": [report.rate_run(100, ok, cpu, 0), report.rate_run(200, late, cpu, 0)],
        "fanout": [fanout],
    }
    found = report.headline(results)
    assert found["sustained_rate"] == 100 and found["p99_ms_at_100"] == 49.54
    assert found["cpu_ms_per_command_at_100"]["gateway"] == 50.0
    assert set(found["fanout_p99_ms"]) == {"3"} and found["fanout_p99_ms"]["3"] > 300
