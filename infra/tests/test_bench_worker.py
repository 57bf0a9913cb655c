"""The worker bench's pure parts: CPU deltas, percentiles, settling, per-command figures, the
report's shape and its Markdown; which stack processes count as the write model."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from streampay_contracts import PayCommand, codec, headers, topics
from streampay_infra.bench_worker import figures, report
from streampay_infra.bench_worker.processes import write_model_names
from streampay_infra.bench_worker.wire import pay_commands

pytestmark = pytest.mark.unit


def test_cpu_delta_counts_new_processes_from_zero_and_drops_ended_ones() -> None:
    before = {10: 1.0, 11: 2.0, 12: 5.0}
    after = {10: 1.5, 11: 2.25, 13: 0.5}  # 12 ended, 13 started in between
    assert figures.cpu_delta(before, after) == 1.25


def test_percentiles() -> None:
    values = [float(n) for n in range(1, 101)]
    assert figures.percentile(values, 50) == 50.5
    assert round(figures.percentile(values, 99) or 0, 2) == 99.01
    assert figures.percentile([7.0], 99) == 7.0
    assert figures.percentile([], 50) is None


def test_records_per_command_of_every_topic_that_received_any() -> None:
    before = {"commands": 100, "balances": 10}
    after = {"commands": 150, "balances": 110, "new-changelog": 25, "users": 0}
    deltas = figures.offset_deltas(before, after)
    assert deltas == {"balances": 100, "commands": 50, "new-changelog": 25, "users": 0}
    assert figures.per_command(deltas, 50) == {
        "balances": 2.0,
        "commands": 1.0,
        "new-changelog": 0.5,
    }


def test_settling_ends_at_the_last_change_and_keeps_its_cpu() -> None:
    settling = figures.Settling(quiet_s=2.0)
    cpu = lambda s: {"worker": {1: s}}  # noqa: E731
    assert not settling.observe(0.0, {"balances": 0}, cpu(0.0))
    assert settling.observe(0.5, {"balances": 10}, cpu(0.4))
    assert settling.observe(1.0, {"balances": 20}, cpu(0.9))
    assert not settling.observe(2.0, {"balances": 20}, cpu(1.0))
    assert not settling.settled(2.9)
    assert settling.settled(3.0)
    assert settling.last_change_at == 1.0
    assert settling.cpu_at_change == {"worker": {1: 0.9}}
    assert settling.observe(3.1, {"balances": 21}, cpu(1.2))  # a late change starts over
    assert not settling.settled(4.0)


def _run(commands: int, **overrides: Any) -> dict[str, object]:
    args: dict[str, Any] = {
        "commands": commands,
        "started": 100.0,
        "produced": 101.0,
        "last_reply": 110.0,
        "replied": commands,
        "statuses": {"200": commands},
        "settled_at": 120.0,
        "cpu_seconds": {"worker": 8.0, "broker": 2.0},
        "records": {"commands": commands, "balances": 2 * commands},
        "idle_ms": [4.0, 5.0, 6.0],
    }
    return figures.backlog_run(**{**args, **overrides})


def test_a_backlog_run() -> None:
    run = _run(5000)
    assert run["replies_per_s"] == 500.0  # 5,000 in 10 s
    assert run["settled_per_s"] == 250.0  # 5,000 in 20 s
    assert run["worker_cpu_ms_per_command"] == 1.6
    assert run["broker_cpu_ms_per_command"] == 0.4
    assert run["records_per_command"] == {"balances": 2.0, "commands": 1.0}
    assert (run["idle_p50_ms"], run["idle_p99_ms"]) == (5.0, 5.98)


def test_a_run_that_never_settled_or_lost_replies_has_no_rates() -> None:
    unsettled = _run(5000, settled_at=None, cpu_seconds={})
    assert unsettled["settled_per_s"] is None
    assert unsettled["worker_cpu_ms_per_command"] is None
    assert _run(5000, replied=4999)["replies_per_s"] is None


def test_the_report_has_the_headline_of_the_largest_backlog_and_every_run() -> None:
    runs = [_run(5000), _run(20000, last_reply=140.0)]
    result = figures.report(runs, {"users": 50})
    assert set(figures.HEADLINE) <= set(result)
    assert result["replies_per_s"] == 500.0  # 20,000 in 40 s
    assert result["runs"] == runs
    assert result["users"] == 50


def test_targets() -> None:
    by_key = {t.key: t for t in figures.TARGETS}
    assert by_key["worker_cpu_ms_per_command"].met(1.0)
    assert not by_key["worker_cpu_ms_per_command"].met(3.9)
    assert by_key["replies_per_s"].met(1500)
    assert not by_key["settled_per_s"].met(240.0)
    assert by_key["idle_p50_ms"].met(None) is None


def test_the_markdown_says_whether_each_target_is_met(tmp_path: Path) -> None:
    runs = [
        _run(5000),
        _run(20000, last_reply=140.0, cpu_seconds={"worker": 10.0, "broker": 2.0}),
    ]
    context = {
        "machine": {"cpus": 2, "cpu_model": "x", "memory_gib": 1, "python": "3.11", "kernel": "6"},
        "users": 50,
        "amount": "0.01",
        "partitions": 3,
        "warm_up": 2000,
        "idle": 3,
        "quiet_s": 2.0,
        "processes": {"worker": {"services": ["streams", "projector"], "pids": [1, 2]}},
    }
    result = figures.report(runs, context)
    text = report.markdown(result)
    assert "| worker CPU per command until settled | ≤ 1 | 0.5 | yes |" in text
    assert "| commands replied per second | ≥ 1,500 | 500 | no |" in text
    assert "streams, projector" in text
    written = report.write(result, tmp_path)
    assert written == tmp_path / "bench-worker-latest.md"
    assert (tmp_path / "bench-worker-latest.json").exists()


def test_the_write_model_is_every_streams_and_projector_process() -> None:
    names = ["broker", "gateway", "projector", "projector-2", "streams", "streams-2"]
    supervisor = SimpleNamespace(records=lambda: [SimpleNamespace(name=n) for n in names])
    config = SimpleNamespace(services=("streams", "projector", "gateway"))
    stack: Any = SimpleNamespace(supervisor=supervisor, config=config)
    assert write_model_names(stack) == ["streams", "projector", "projector-2", "streams-2"]


def test_pay_commands_carry_the_gateways_headers_keyed_by_payer() -> None:
    users = [f"local|u{n}" for n in range(5)]
    records = pay_commands(users, 20, Decimal("0.01"), random.Random(1))
    assert len({r.correlation_id for r in records}) == 20
    for record in records:
        found = headers.from_kafka(record.headers)
        command = codec.decode(record.value, PayCommand)
        assert found[headers.IDENTITY] == record.key.decode() != command.user_id
        assert found[headers.REPLY_TO] == topics.REPLIES
        assert found[headers.CORRELATION_ID] == record.correlation_id
        assert found[headers.DOMAIN_MODEL] == str(PayCommand.domain_model)
        assert command.amount == Decimal("0.01")
