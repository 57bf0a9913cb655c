"""Prometheus metrics of the live views, in the default registry (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SSE_CLIENTS = Gauge(
    "streampay_gateway_sse_clients",
    "Server-Sent Events clients connected, per view (a multiplexed stream counts once per view)",
    ["view"],
)

SSE_DROPPED = Counter(
    "streampay_gateway_sse_dropped_total",
    "SSE clients disconnected because they did not keep up with their view",
    ["view"],
)

CACHED_RECORDS = Gauge(
    "streampay_gateway_view_cached_records",
    "Records kept in memory per view topic: keys of a compacted topic, the window of a log",
    ["topic"],
)

READER_LAG = Gauge(
    "streampay_gateway_view_reader_lag",
    "Records between a view topic's high watermark and what the gateway has applied",
    ["topic", "partition"],
)
