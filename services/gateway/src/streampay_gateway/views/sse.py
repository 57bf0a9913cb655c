"""Opening a live view stream for a verified caller: resume point, readiness, the response."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from aiokafka.errors import KafkaError
from fastapi import Depends, Header, Query, Request
from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError
from starlette.types import Message, Receive, Scope, Send

from streampay_contracts import Problem
from streampay_gateway.auth.security import Principal, unauthorized
from streampay_gateway.http.problems import ProblemError, problem_responses, unavailable
from streampay_gateway.http.serving import DIRECT_BODY
from streampay_gateway.views.catalog import View
from streampay_gateway.views.hub import ViewHub
from streampay_gateway.views.positions import Cursor, InvalidEventId, decode_event_id


class EventStream(EventSourceResponse):
    """``text/event-stream``, also as the declared type of the view routes in OpenAPI."""

    media_type = "text/event-stream"
    _direct: Send | None = None
    on_close: Callable[[], None] | None = None
    """Called once the response is over, however it ended (even if never iterated)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._direct = scope.get("extensions", {}).get(DIRECT_BODY, {}).get("send")
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.on_close is not None:
                self.on_close()

    async def _send_with_timeout(self, send: Send, message: Message) -> None:
        """One send, closed with :class:`SendTimeoutError` when the socket takes nothing for
        ``send_timeout`` seconds, as the library does, but on asyncio's own timeout: the
        library's portable cancel scope cost more than the rest of a send, and one event to
        10,000 clients is 10,000 sends.

        The chunks of the body go straight to the server when it offers its ``send`` (see
        :mod:`streampay_gateway.http.serving`); the start and the end of the response pass through
        the middleware as usual."""
        if self._direct is not None and message.get("more_body", False):
            send = self._direct  # a chunk of the body, neither the start nor the end
        try:
            async with asyncio.timeout(self.send_timeout):
                await send(message)
        except TimeoutError:
            raise SendTimeoutError from None


async def _hub(request: Request) -> ViewHub:
    hub: ViewHub = request.app.state.views
    return hub


Hub = Annotated[ViewHub, Depends(_hub)]

LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        description="The id of the last event received; the stream resumes right after it. "
        "Browsers send it by themselves when an EventSource reconnects.",
    ),
]

ResumeFrom = Annotated[
    str | None,
    Query(
        alias="lastEventId",
        description="The same as `Last-Event-ID`, for a new EventSource (which cannot send "
        "headers), e.g. after a page reload; the header wins when both are sent.",
    ),
]

STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A `text/event-stream`: the initial state, `event: ready`, then every "
        "change, heartbeats, `event: token-expiring` and the end of the stream at token expiry",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **problem_responses(400, 401, 403, 429, 503),
}


async def open_stream(
    hub: ViewHub,
    principal: Principal,
    views: Sequence[View],
    last_event_id: str | None,
    *,
    multiplexed: bool = False,
) -> EventStream:
    """The stream of ``views`` for ``principal``; 400 for a foreign id, 503 while catching up.

    A stream ends when its token expires, so a token already past its expiry (still accepted
    for a command within the clock-skew leeway) is refused here rather than opened and closed."""
    if principal.expires_at <= time.time():
        raise unauthorized("the token has expired; sign in again")
    resume = resume_point(last_event_id, views)
    settings = hub.settings
    if not await hub.wait_caught_up(views, settings.views_ready_timeout_seconds):
        raise unavailable("the gateway is still reading the live views from Kafka", 2)
    if resume is not None:
        try:
            await hub.check_resume(views, resume)
        except InvalidEventId as error:
            raise _bad_event_id(error) from None
        except KafkaError:
            raise unavailable("the broker did not say where the views end; retry", 2) from None
    replay = None if resume is None else hub.pacer.admit(principal.user_id)
    stream = hub.open(
        views,
        principal.user_id,
        resume,
        principal.expires_at,
        multiplexed=multiplexed,
        replay=replay,
    )
    response = EventStream(
        stream.events(), ping=0, send_timeout=settings.views_send_timeout_seconds
    )
    response.on_close = stream.release_replay
    return response


def resume_point(last_event_id: str | None, views: Sequence[View]) -> Cursor | None:
    """The cursor in a `Last-Event-ID`; None without one; 400 when it is not of these views."""
    if not last_event_id:
        return None
    try:
        return decode_event_id(last_event_id, [view.name for view in views])
    except InvalidEventId as error:
        raise _bad_event_id(error) from None


def _bad_event_id(error: InvalidEventId) -> ProblemError:
    detail = f"{error}; reconnect without it to start from the current state"
    return ProblemError(Problem.bad_request(detail))
