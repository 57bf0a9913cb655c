"""What a streams worker or projector shows about itself: Prometheus metrics and liveness.

Served on ``STREAMS_METRICS_PORT`` (the projector: ``PROJECTOR_METRICS_PORT``) by a thread of
its own, apart from the Faust event loop, so that a scrape still answers when the loop is
stuck, and says so:

- ``/metrics``: records applied and batch sizes and times per stage (``decide``, ``project``,
  ``totals``), decisions by the reply's status, publishing latency (view and ledger records,
  and the tables' changelog records), and the consumer lag per partition as Faust tracks it;
- ``/healthz``: 200 while the worker makes progress, 503 when it is wedged: its event loop has
  not turned for ``STREAMS_WEDGED_SECONDS``, or a stage has had records waiting that long
  without applying a batch. An idle worker is alive; a member of the group that no longer
  applies anything is not, whatever the group says.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import REGISTRY, Collector

BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

RECORDS = Counter(
    "streampay_streams_records", "Records applied (decided, projected, added up)", ["stage"]
)
BATCH_RECORDS = Histogram(
    "streampay_streams_batch_records", "Records per applied batch", ["stage"], buckets=BATCH_BUCKETS
)
BATCH_SECONDS = Histogram(
    "streampay_streams_batch_seconds",
    "Applying one batch: deciding or projecting, publishing, storing the state",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
DECISIONS = Counter(
    "streampay_streams_decisions", "Commands decided, by the HTTP status of the reply", ["status"]
)
PUBLISH_SECONDS = Histogram(
    "streampay_streams_publish_seconds",
    "Publishing a set of records until the broker acknowledged every one (acks=all); "
    "kind=changelog for the tables' own records",
    ["kind"],
    buckets=LATENCY_BUCKETS,
)


@dataclass
class Stage:
    """One consuming loop's progress: what waits, and when it last applied a batch."""

    name: str
    waiting: Callable[[], int] = lambda: 0
    """Records received and not yet applied (queued, or in the batch being applied)."""
    in_flight: int = 0
    """Records of the batch being applied."""
    progressed: float = field(default_factory=time.monotonic)

    def applied(self, records: int, seconds: float) -> None:
        self.progressed = time.monotonic()
        RECORDS.labels(self.name).inc(records)
        BATCH_RECORDS.labels(self.name).observe(records)
        BATCH_SECONDS.labels(self.name).observe(seconds)


class Liveness:
    """Whether the worker is wedged: a stuck event loop, or records waiting without progress."""

    def __init__(self, wedged_after_s: float) -> None:
        self.wedged_after_s = wedged_after_s
        self.stages: dict[str, Stage] = {}
        self.beat = time.monotonic()
        self._lock = threading.Lock()

    def stage(self, name: str) -> Stage:
        with self._lock:
            return self.stages.setdefault(name, Stage(name))

    async def heartbeat(self, every_s: float = 1.0) -> None:
        """Run on the worker's event loop: proves that it turns."""
        while True:
            self.beat = time.monotonic()
            await asyncio.sleep(every_s)

    def problems(self, now: float | None = None) -> list[str]:
        """Why the worker is wedged; empty when it is alive."""
        now = time.monotonic() if now is None else now
        found = []
        if now - self.beat > self.wedged_after_s:
            found.append(f"the event loop has not turned for {now - self.beat:.0f} s")
        with self._lock:
            stages = list(self.stages.values())
        for stage in stages:
            waiting, idle = stage.waiting(), now - stage.progressed
            if waiting and idle > self.wedged_after_s:
                found.append(
                    f"{stage.name}: {waiting} records waiting, none applied for {idle:.0f} s"
                )
        return found


class FaustLag(Collector):
    """``streampay_streams_consumer_lag``: the log end minus the next offset to read, per
    partition this worker reads, from the offsets Faust's monitor tracks."""

    def __init__(self, monitor: Callable[[], Any]) -> None:
        self._monitor = monitor

    def collect(self) -> Iterable[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "streampay_streams_consumer_lag",
            "Records on the partition not yet read by this worker",
            labels=["topic", "partition"],
        )
        monitor = self._monitor()
        ends = dict(getattr(monitor, "tp_end_offsets", None) or {})
        read = dict(getattr(monitor, "tp_read_offsets", None) or {})
        committed = dict(getattr(monitor, "tp_committed_offsets", None) or {})
        for tp, end in sorted(ends.items()):
            position = read[tp] + 1 if tp in read else committed.get(tp)
            if position is not None:
                lag.add_metric([tp.topic, str(tp.partition)], max(0, end - position))
        yield lag


def observe_publish(records: Sequence[Any], seconds: float) -> None:
    """One publication of ``records`` (Emit), acknowledged after ``seconds``."""
    if records:
        kind = "changelog" if records[0].topic.endswith("-changelog") else "records"
        PUBLISH_SECONDS.labels(kind).observe(seconds)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes and probes are not logged (every few seconds, forever)."""


def serve(host: str, port: int, liveness: Liveness) -> ThreadingWSGIServer | None:
    """Serve ``/metrics`` and ``/healthz`` on a daemon thread; None when ``port`` is 0."""
    if port == 0:
        return None
    metrics = make_wsgi_app(REGISTRY)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            problems = liveness.problems()
            status = "503 Service Unavailable" if problems else "200 OK"
            body = json.dumps({"alive": not problems, "problems": problems}).encode()
            start_response(status, [("Content-Type", "application/json")])
            return iter([body])
        return iter(metrics(environ, start_response))

    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
