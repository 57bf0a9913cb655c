"""Every HTTP request, measured and logged: Prometheus counters and one structured log line.

Requests are labelled by route template (``/payment-requests/{id}``), and logged by path only:
query strings are never logged, because the ``access_token`` parameter carries a bearer token.
Latency is the time to the response headers, so a Server-Sent Events stream that stays open
for an hour counts as the time it took to start.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streampay_gateway.http.metrics import LATENCY, REQUESTS

log = structlog.get_logger("streampay_gateway.http")


def route_of(scope: Scope) -> str:
    """The matched route's template; one label for everything that matched none."""
    route: Any = scope.get("route")  # set by FastAPI's own routes
    if route is None and (endpoint := scope.get("endpoint")) is not None:
        # Starlette routes (the OpenAPI document, /docs) only record their endpoint.
        routes = getattr(scope.get("app"), "routes", ())
        route = next((r for r in routes if getattr(r, "endpoint", None) is endpoint), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestObserver:
    """ASGI middleware recording each request's status, latency and a log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                elapsed = time.perf_counter() - started
                LATENCY.labels(scope["method"], route_of(scope)).observe(elapsed)
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    @staticmethod
    def _record(scope: Scope, status: int, elapsed: float) -> None:
        route = route_of(scope)
        REQUESTS.labels(scope["method"], route, str(status)).inc()
        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 1),
        )
