"""Prometheus metrics of HTTP traffic and the command path, in the default registry.

Served at ``/metrics`` together with the live views' metrics. Requests are labelled by route
template (``/payment-requests/{id}``), never by raw path, so label cardinality stays bounded.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "streampay_gateway_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)

LATENCY = Histogram(
    "streampay_gateway_http_request_seconds",
    "Time until the response headers were sent (for streams: until the stream started)",
    ["method", "route"],
)

REPLY_WAIT = Histogram(
    "streampay_gateway_reply_wait_seconds",
    "Time from producing a command until its reply arrived, or the wait gave up",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

COMMANDS = Counter(
    "streampay_gateway_commands_total",
    "Commands received over HTTP, by how they were answered",
    ["outcome"],
)

INDEX_SIZE = Gauge(
    "streampay_gateway_index_entries",
    "Entries of the gateway's correlation indexes (replies; fingerprints of commands)",
    ["index"],
)

FOLLOWER_LAG = Gauge(
    "streampay_gateway_consumer_lag",
    "Records between a topic's high watermark and what the gateway has indexed",
    ["topic"],
)
