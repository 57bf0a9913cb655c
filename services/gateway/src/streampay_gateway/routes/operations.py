"""Operations: liveness and readiness (Prometheus metrics are on a port of their own,
``GATEWAY_METRICS_PORT``, served by :mod:`streampay_gateway.__main__`).

``/healthz`` says the process serves HTTP (restart it if not); ``/readyz`` says it can do its
work: the broker answers and every cache has read what its topic held when the gateway
started, so no retry is answered as a new command and no read misses data. A load balancer
sends traffic only to ready instances.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from streampay_contracts import dumps
from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_gateway.deps import KafkaBroker

router = APIRouter(tags=["operations"])

ReadinessCheck = Callable[[], dict[str, bool]]
"""Named checks; each module with a cache registers one in ``app.state.readiness``."""


@router.get("/healthz", summary="Liveness: the gateway process is serving HTTP")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the broker is reachable and every cache has caught up",
    responses={
        200: {"description": "Ready; each check is listed"},
        503: {"description": "Not ready; the failing checks are `false`"},
    },
)
async def readyz(request: Request, broker: KafkaBroker) -> Response:
    reachable = await broker.reachable()
    checks: dict[str, bool] = {"broker": reachable}
    for check in request.app.state.readiness:
        checks.update(check())
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "broker": "reachable" if reachable else "unreachable",
        "checks": checks,
    }
    return Response(dumps(body), status_code=200 if ready else 503, media_type=JSON_CONTENT_TYPE)
