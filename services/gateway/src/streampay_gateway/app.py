"""The gateway application: the only HTTP entry point of StreamPay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from streampay_gateway import frontend, health
from streampay_gateway.broker import Broker
from streampay_gateway.config import GatewaySettings


def create_app(settings: GatewaySettings) -> FastAPI:
    broker = Broker(settings.kafka_bootstrap_servers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()

    app = FastAPI(
        title="StreamPay gateway",
        summary="Send and request money in real time: HTTP commands, live SSE views.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.broker = broker
    app.include_router(health.router)
    frontend.mount(app, settings.frontend_dist)
    return app
