"""HTTP hygiene at the edge: ``HEAD`` wherever ``GET`` works, and the headers every response
carries.

- ``HEAD`` is answered as the ``GET`` of the same URL would be, without its body: the route
  runs as a ``GET`` and the body ends at its first chunk. A live view's chunks normally go
  straight to the server (see :mod:`.serving`); for a ``HEAD`` the server's channel is withheld
  so they come here instead, and a ``HEAD`` of a stream gets the stream's status and headers
  and is then complete (the stream sees its client gone and stops).
- Every response says ``X-Content-Type-Options: nosniff`` (a browser never guesses a script or
  a page from a body) and ``Referrer-Policy: no-referrer`` (no URL of this origin leaks to
  another). The web app's own pages add a Content-Security-Policy (:mod:`.frontend`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streampay_gateway.http.serving import STREAM_CHANNEL

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class HttpHygiene:
    """ASGI middleware: ``HEAD`` as a bodiless ``GET``; :data:`SECURITY_HEADERS` on every
    response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def start_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        if scope["method"] != "HEAD":
            await self.app(scope, receive, start_with_headers)
            return
        ended = False

        async def without_body(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                await start_with_headers(message)
            elif not ended:
                ended = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        extensions = dict(scope.get("extensions", {}))
        extensions.pop(STREAM_CHANNEL, None)
        as_get = {**scope, "method": "GET", "extensions": extensions}
        await self.app(as_get, receive, without_body)
