"""Liveness and readiness: `/healthz` says the process serves HTTP, `/readyz` that it can work."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the gateway process is serving HTTP")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the broker is reachable",
    responses={503: {"description": "The broker is not reachable yet"}},
)
async def readyz(request: Request, response: Response) -> dict[str, str]:
    broker = request.app.state.broker
    if not await broker.reachable():
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "broker": "unreachable"}
    return {"status": "ok", "broker": "reachable"}
