"""The gateway application: the only HTTP entry point of StreamPay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from streampay_contracts import logs
from streampay_gateway import bootstrap
from streampay_gateway.auth.ratelimit import RateLimits
from streampay_gateway.config import GatewaySettings
from streampay_gateway.http import docs, frontend, openapi, problems
from streampay_gateway.http.hygiene import HttpHygiene
from streampay_gateway.http.observability import RequestObserver
from streampay_gateway.routes import (
    asyncapi,
    auth,
    command_replies,
    commands,
    operations,
    payment_requests,
    users,
)
from streampay_gateway.routes import system as system_routes
from streampay_gateway.routes import views as live_views
from streampay_gateway.system.section import SystemSection

DESCRIPTION = """
Every write is a command on Kafka, answered by the streams service; every read is a view of a
Kafka topic. Sign in with `POST /auth/token` (development) and send the token as
`Authorization: Bearer`. Errors are `application/problem+json` (RFC 9457).
"""

EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Content-Location",
    "Retry-After",
    "Idempotent-Replayed",
    "Preference-Applied",
    "WWW-Authenticate",
]


def create_app(settings: GatewaySettings) -> FastAPI:
    logs.configure(settings.log_level)
    components = bootstrap.build(settings)
    views = components.views
    system = SystemSection(settings, components.reply_index)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await components.start()
        try:
            yield
        finally:
            await system.stop()
            await components.stop()

    app = FastAPI(
        title="StreamPay gateway",
        summary="Send and request money in real time: HTTP commands, live SSE views.",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # docs.install serves both, with their assets (no CDN)
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.components = components
    app.state.verifier = components.verifier
    app.state.views = views
    app.state.system = system
    app.state.rate_limits = RateLimits(settings)
    app.state.readiness = [components.readiness, views.readiness]
    problems.install(app)
    openapi.install(app)
    _add_middleware(app, settings)
    _include_routes(app, settings)
    docs.install(app)
    frontend.mount(
        app, settings.frontend_dist, settings.web_content_security_policy
    )  # last: its catch-all must not shadow the API
    return app


def _add_middleware(app: FastAPI, settings: GatewaySettings) -> None:
    # Bearer tokens, not cookies: cross-origin callers need no credentials mode.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "PUT", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    app.add_middleware(RequestObserver)
    app.add_middleware(HttpHygiene)  # outermost: its headers are on every answer, errors too


def _include_routes(app: FastAPI, settings: GatewaySettings) -> None:
    app.include_router(operations.router)
    app.include_router(asyncapi.router)
    if settings.auth_dev_provider:
        app.include_router(auth.router)
    app.include_router(commands.router)
    app.include_router(command_replies.router)
    app.include_router(users.router)
    app.include_router(payment_requests.router)
    app.include_router(live_views.router)
    app.include_router(system_routes.router)
