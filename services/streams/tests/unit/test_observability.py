"""A worker's liveness and metrics: wedged only when work waits without progress or the event
loop stands still; batches counted per stage; lag from Faust's monitor; the HTTP endpoints."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from streampay_streams import observability
from streampay_streams.agents import batches
from streampay_streams.observability import FaustLag, Liveness, Stage

from .test_batches import Event, FakeApp, FakeStream, GatedApply, Message, eventually

pytestmark = pytest.mark.unit


def test_an_idle_worker_is_alive_and_a_stuck_loop_is_not() -> None:
    liveness = Liveness(wedged_after_s=60)
    liveness.stage("decide")
    now = liveness.beat
    assert liveness.problems(now + 3600) == ["the event loop has not turned for 3600 s"]
    liveness.beat = now + 3600
    assert liveness.problems(now + 3600) == []  # nothing waits: idle, not wedged


def test_records_waiting_without_a_batch_applied_is_wedged() -> None:
    liveness = Liveness(wedged_after_s=60)
    stage = liveness.stage("project")
    stage.waiting = lambda: 5
    start = stage.progressed
    liveness.beat = start + 59
    assert liveness.problems(start + 59) == []
    liveness.beat = start + 61
    assert liveness.problems(start + 61) == ["project: 5 records waiting, none applied for 61 s"]
    stage.applied(5, 0.01)
    assert liveness.problems(stage.progressed + 1) == []


async def test_consume_reports_what_waits_and_counts_its_batches() -> None:
    stream, apply = FakeStream(), GatedApply()
    stage = Stage("test-stage")
    worker = asyncio.create_task(batches.consume(stream, FakeApp(), apply, 3, stage=stage))
    idle_since = stage.progressed
    await asyncio.sleep(0.01)
    await stream.feed.put(Event(Message(0)))
    await apply.started.wait()
    assert stage.waiting() == 1  # in flight
    assert stage.progressed > idle_since  # the wait started with the record, not before
    await stream.feed.put(Event(Message(1)))
    await eventually(lambda: stage.waiting() == 2)
    apply.gate.set()
    await eventually(lambda: len(apply.batches) == 2)
    apply.gate.set()
    await eventually(lambda: stage.waiting() == 0)
    counted = generate_latest().decode()
    assert 'streampay_streams_records_total{stage="test-stage"} 2.0' in counted
    assert 'streampay_streams_batch_records_count{stage="test-stage"} 2.0' in counted
    await stream.feed.put(None)
    await worker


@dataclass(frozen=True, order=True)
class TP:
    topic: str
    partition: int


@dataclass
class Monitor:
    tp_end_offsets: dict[TP, int] = field(default_factory=dict)
    tp_read_offsets: dict[TP, int] = field(default_factory=dict)
    tp_committed_offsets: dict[TP, int] = field(default_factory=dict)


def test_lag_is_the_end_minus_the_next_offset_to_read() -> None:
    monitor = Monitor(
        tp_end_offsets={TP("commands", 0): 10, TP("commands", 1): 4, TP("events", 2): 7},
        tp_read_offsets={TP("commands", 0): 6},
        tp_committed_offsets={TP("commands", 1): 4},
    )
    registry = CollectorRegistry()
    registry.register(FaustLag(lambda: monitor))
    text = generate_latest(registry).decode()
    assert 'streampay_streams_consumer_lag{partition="0",topic="commands"} 3.0' in text
    assert 'streampay_streams_consumer_lag{partition="1",topic="commands"} 0.0' in text
    assert 'topic="events"' not in text  # neither read nor committed: unknown, not shown


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_endpoints_serve_metrics_and_liveness() -> None:
    liveness = Liveness(wedged_after_s=60)
    port = free_port()
    server = observability.serve("127.0.0.1", port, liveness)
    assert server is not None
    try:
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert (status, json.loads(body)) == (200, {"alive": True, "problems": []})
        liveness.beat -= 120
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503
        assert json.loads(body)["problems"][0].startswith("the event loop has not turned")
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "streampay_streams_publish_seconds" in body
    finally:
        server.shutdown()
        server.server_close()
    assert observability.serve("127.0.0.1", 0, liveness) is None
