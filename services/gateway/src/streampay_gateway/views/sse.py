"""Opening a live view stream for a verified caller: resume point, readiness, the response."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Annotated, Any

import structlog
from aiokafka.errors import KafkaError
from fastapi import Depends, Header, Query, Request
from sse_starlette import ServerSentEvent
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from streampay_contracts import Problem
from streampay_gateway.auth.security import Principal, unauthorized
from streampay_gateway.http.problems import ProblemError, problem_responses, unavailable
from streampay_gateway.http.serving import STREAM_CHANNEL, StreamChannel
from streampay_gateway.views.catalog import View
from streampay_gateway.views.hub import ViewHub
from streampay_gateway.views.positions import Cursor, InvalidEventId, decode_event_id

log = structlog.get_logger(__name__)


class SendTimeoutError(TimeoutError):
    """The client's connection took nothing for the stream's send timeout."""


class EventStream(Response):
    """A ``text/event-stream`` response (also the declared type of the stream routes in
    OpenAPI): each :class:`ServerSentEvent` of ``events`` framed and written as it comes.

    One stream is one task, the request's own. The server's :class:`StreamChannel` (see
    :mod:`streampay_gateway.http.serving`) takes the chunks of the body and says when the client
    is gone or the server is stopping; the stream is then cancelled where it waits, its events'
    ``finally`` blocks run, and the response ends. Under a server that offers no channel, a
    :class:`ThroughSend` stands in for it.

    A client whose connection takes nothing of a chunk for ``send_timeout`` seconds is let go,
    and never holds up the others (each stream writes on its own): the server's channel drops
    the connection; without one the response raises :class:`SendTimeoutError`."""

    media_type = "text/event-stream"

    def __init__(
        self,
        events: AsyncGenerator[ServerSentEvent],
        *,
        send_timeout: float,
        on_close: Callable[[], None] | None = None,
        status_code: int = 200,  # the default is what FastAPI documents a stream route answers
    ) -> None:
        self.status_code = status_code
        self.background = None
        # No body yet, so no Content-Length: the server frames the stream in chunks.
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self._events = events
        self.send_timeout = send_timeout
        self.on_close = on_close
        """Called once the response is over, however it ended (even if never iterated)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        offered = scope.get("extensions", {}).get(STREAM_CHANNEL, {})
        channel: StreamChannel | ThroughSend = offered.get("channel") or ThroughSend(send, receive)
        task = asyncio.current_task()
        assert task is not None
        ended = False

        def end() -> None:
            nonlocal ended
            if not ended:
                ended = True
                task.cancel()

        try:
            async with contextlib.aclosing(self._events) as events:
                start = {"type": "http.response.start", "status": self.status_code}
                await send({**start, "headers": self.raw_headers})
                channel.on_end(end)  # at once if the client left before the stream opened
                async for event in events:
                    await self._write(channel, event.encode())
        except asyncio.CancelledError:
            if not ended or task.uncancel():
                raise  # cancelled by someone else: not ours to swallow
        except SendTimeoutError as error:
            if not channel.drops_slow_clients:
                raise  # the server closes the connection
            log.info("live stream dropped: its client stopped reading", reason=str(error))
            return
        finally:
            channel.on_end(None)
            if self.on_close is not None:
                self.on_close()
        # The events ended, or the server is stopping (for a client that is gone it is a no-op);
        # a client that takes nothing even now is dropped after the send timeout.
        try:
            await channel.writable(self.send_timeout)
        except TimeoutError:
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _write(self, channel: StreamChannel | ThroughSend, chunk: bytes) -> None:
        try:
            await channel.write(chunk, self.send_timeout)
        except TimeoutError:
            raise SendTimeoutError(f"the client took nothing for {self.send_timeout:g} s") from None


class ThroughSend:
    """The stream's channel under a server that offers none: chunks go through ``send`` under
    the timeout; the disconnect is read from ``receive`` by a task of its own."""

    drops_slow_clients = False
    """A chunk that times out leaves the connection to the server (the response raises)."""

    def __init__(self, send: Send, receive: Receive) -> None:
        self._send = send
        self._receive = receive
        self._watcher: asyncio.Task[None] | None = None

    async def writable(self, timeout_s: float) -> None:
        """Nothing to wait for: ``send`` waits itself."""

    async def write(self, body: bytes, timeout_s: float) -> None:
        async with asyncio.timeout(timeout_s):
            await self._send({"type": "http.response.body", "body": body, "more_body": True})

    def on_end(self, callback: Callable[[], None] | None) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        if callback is not None:
            self._watcher = asyncio.create_task(self._until_disconnect(callback))

    async def _until_disconnect(self, then: Callable[[], None]) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        then()


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

STREAM_RESPONSES: dict[int | str, dict[str, Any]] = problem_responses(400, 401, 403, 429, 503)
"""What every stream may answer instead of its events (each route documents its 200)."""


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
    return EventStream(
        stream.events(),
        send_timeout=settings.views_send_timeout_seconds,
        on_close=stream.release_replay,
    )


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
