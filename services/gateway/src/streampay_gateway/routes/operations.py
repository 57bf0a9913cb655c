"""Operations: liveness and readiness (Prometheus metrics are on a port of their own,
``GATEWAY_METRICS_PORT``, served by :mod:`streampay_gateway.__main__`).

``/healthz`` says the process serves HTTP (restart it if not); ``/readyz`` says it can do its
work: the broker answers and every cache has read what its topic held when the gateway
started, so no retry is answered as a new command and no read misses data. A load balancer
sends traffic only to ready instances.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request, Response

from streampay_contracts import WireModel, encode
from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_gateway.deps import KafkaBroker
from streampay_gateway.http.openapi import json_response

router = APIRouter(tags=["operations"])

ReadinessCheck = Callable[[], dict[str, bool]]
"""Named checks; each module with a cache registers one in ``app.state.readiness``."""


class Health(WireModel):
    """The process serves HTTP."""

    status: Literal["ok"] = "ok"


class Readiness(WireModel):
    """Whether the gateway can do its work, and which of its checks pass."""

    status: Literal["ok", "unavailable"]
    broker: Literal["reachable", "unreachable"]
    checks: dict[str, bool]
    """Each check by name (``broker``, ``replies index``, ``users table``, ...): true once it
    passes."""


@router.get(
    "/healthz",
    summary="Liveness: the gateway process is serving HTTP",
    responses={200: json_response(Health, "The process is up")},
)
async def healthz() -> Response:
    return Response(encode(Health()), media_type=JSON_CONTENT_TYPE)


@router.get(
    "/readyz",
    summary="Readiness: the broker is reachable and every cache has caught up",
    responses={
        200: json_response(Readiness, "Ready; each check is listed"),
        503: json_response(Readiness, "Not ready; the failing checks are `false`"),
    },
)
async def readyz(request: Request, broker: KafkaBroker) -> Response:
    reachable = await broker.reachable()
    checks: dict[str, bool] = {"broker": reachable}
    for check in request.app.state.readiness:
        checks.update(check())
    ready = all(checks.values())
    body = Readiness(
        status="ok" if ready else "unavailable",
        broker="reachable" if reachable else "unreachable",
        checks=checks,
    )
    return Response(encode(body), status_code=200 if ready else 503, media_type=JSON_CONTENT_TYPE)
