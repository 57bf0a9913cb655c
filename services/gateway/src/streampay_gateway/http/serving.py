"""The HTTP server's own guards: a client must send its request head promptly and briefly.

uvicorn's httptools protocol keeps a connection that has not finished sending its request head
for as long as the client likes, and buffers a head of any size. So a socket that connects and
says nothing, a "slowloris" that sends a header line every few seconds, or a request carrying a
10 MB header each held a file descriptor and memory for ever, and enough of them starve the
gateway. :func:`guarded_protocol` adds the limits web servers have (nginx's
``client_header_timeout`` and ``large_client_header_buffers``):

- a request head (request line and headers) must be complete within ``head_timeout_s`` of the
  connection opening or of its first byte; otherwise ``408`` problem+json and the connection
  is closed (a connection that sent nothing at all is just closed);
- a request head larger than ``max_head_bytes`` is answered ``431`` problem+json and closed,
  and is never buffered beyond the limit (plus at most one read of the socket);
- a request body must be complete within ``body_timeout_s`` of its head (nginx's
  ``client_body_timeout``, but for the whole body: a body trickled at a byte a second is not
  read for minutes); otherwise ``408`` and the connection is closed (only closed when the
  response has already begun);
- at most ``max_connections`` connections are open at once, and at most
  ``max_per_address`` from one client address; a connection past either is answered ``503``
  problem+json with ``Retry-After`` on its first request and closed. Behind a load balancer
  every client has the balancer's address: raise the per-address cap there.

Body sizes are bounded by the routes themselves (:mod:`.bodies`); the time between requests on
a kept-alive connection by uvicorn's own keep-alive timeout; a response being streamed (a live
view) is never interrupted by these guards.

The protocol also hands each request a :class:`StreamChannel` (:data:`STREAM_CHANNEL` in the
scope's ``extensions``), for a response that streams for long (a live view):

- its body chunks go straight to the connection once the response has started through the
  middleware: every middleware of this app acts on a response's start only (status, headers),
  and passing each event of each stream through all of them cost a fifth of the time one event
  takes to reach 10,000 clients;
- a chunk waits, for at most a timeout, only when the connection's buffer is full, so a
  deadline is paid for by the clients that do not read, not by every event to every client;
- the response is told when its client is gone or the server is stopping, by the protocol that
  sees both, instead of keeping a task per stream waiting on ``receive()`` for the disconnect
  and another watching for shutdown.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from streampay_contracts import Problem, encode
from streampay_contracts.headers import PROBLEM_CONTENT_TYPE

STREAM_CHANNEL = "streampay.stream_channel"
"""The scope extension holding the request's :class:`StreamChannel` (as ``"channel"``)."""


class StreamChannel:
    """The server's side of one long streamed response: chunks written straight to the
    connection, and word when it must end (the client is gone, or the server is stopping).

    The word may come before the response asks for it (the client left while the route was
    still waiting to open the stream): it is kept, and given as soon as it is asked for."""

    __slots__ = ("_cycle", "_ended", "_on_end")  # one per request, of any kind

    drops_slow_clients = True
    """A chunk that times out drops the connection (see :meth:`writable`)."""

    def __init__(self, cycle: RequestResponseCycle) -> None:
        # Held weakly: the cycle's scope holds this channel, and a strong reference back would
        # make every request a reference cycle, left for the garbage collector to find. At a
        # hundred requests a second those piled up by the ten thousand and were freed in one
        # collection that stalled the event loop for 19-38 ms. The request's task holds its
        # cycle for as long as the response is written.
        self._cycle = weakref.ref(cycle)
        self._on_end: Callable[[], None] | None = None
        self._ended = False

    @property
    def done(self) -> bool:
        """Its response is complete: nothing will ask for the word any more."""
        cycle = self._cycle()
        return cycle is None or cycle.response_complete

    def _live(self) -> RequestResponseCycle:
        cycle = self._cycle()
        if cycle is None:  # the request is over: nothing is written to its connection any more
            raise ConnectionError("the response's request is over")
        return cycle

    async def writable(self, timeout_s: float) -> None:
        """Return once the connection takes bytes (at once unless its buffer is full);
        TimeoutError when it takes none for ``timeout_s`` (the client reads nothing), and the
        connection is then dropped: its buffer would never drain."""
        cycle = self._live()
        if cycle.flow.write_paused and not cycle.disconnected:
            try:
                async with asyncio.timeout(timeout_s):
                    await cycle.flow.drain()
            except TimeoutError:
                self._on_end = None  # the stream ends with this error: it need not be told
                cycle.transport.abort()
                raise

    async def write(self, body: bytes, timeout_s: float) -> None:
        """One chunk of the body, once :meth:`writable`."""
        cycle = self._live()
        if cycle.flow.write_paused:  # checked here first: nearly every write needs no wait
            await self.writable(timeout_s)
        await cycle.send({"type": "http.response.body", "body": body, "more_body": True})

    def on_end(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback`` once, when the client disconnects or the server shuts down (at
        once if either happened already); None withdraws it (the response is over)."""
        self._on_end = callback
        cycle = self._cycle()
        if callback is not None and (self._ended or cycle is None or cycle.disconnected):
            self.end()

    def end(self) -> None:
        self._ended = True
        callback, self._on_end = self._on_end, None
        if callback is not None:
            callback()


def problem_bytes(status: int, reason: str, detail: str, extra_headers: str = "") -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 response carrying a problem+json body;
    ``extra_headers`` are whole ``name: value\\r\\n`` lines."""
    body = encode(Problem.of(status, detail))
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"content-type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        f"{extra_headers}"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit on each request head."""

    head_timeout_s: float = 15.0
    max_head_bytes: int = 64 * 1024
    body_timeout_s: float = 10.0
    max_connections: int = 10_000
    max_per_address: int = 1_000
    open_per_address: Counter[str]
    """Connections counted against each address, shared by every connection of one server."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._address: str | None = None
        """The client address this connection is counted against, once admitted."""
        self._over_limit: bytes | None = None
        """The 503 this connection gets on its first request, when it was one too many."""
        self._in_head = True
        """Waiting for (the rest of) a request head: from the connection or a message's start."""
        self._head_begun = False
        """Some byte of the current request head has arrived."""
        self._head_bytes = 0
        self._refused = False
        self._channels: list[StreamChannel] = []
        """The channels of this connection's responses not yet complete: the running one, and
        any request pipelined behind it."""

    # -- connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._admit()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._disarm_body()
        if self._address is not None:
            self.open_per_address[self._address] -= 1
            if not self.open_per_address[self._address]:
                del self.open_per_address[self._address]
            self._address = None
        super().connection_lost(exc)
        self._end_streams()

    def shutdown(self) -> None:
        super().shutdown()
        self._end_streams()  # a stream ends now, rather than when the server's grace is up

    def _end_streams(self) -> None:
        channels, self._channels = self._channels, []
        for channel in channels:
            channel.end()

    def _admit(self) -> None:
        """Count this connection against its address, or mark it for a 503 if one too many."""
        address = self.client[0] if self.client else "unknown"
        if len(self.connections) > self.max_connections:
            detail = f"the gateway is at its limit of {self.max_connections} connections"
        elif self.open_per_address[address] >= self.max_per_address:
            detail = (
                f"too many connections from your address (at most {self.max_per_address}); "
                "close some and retry"
            )
        else:
            self._address = address
            self.open_per_address[address] += 1
            return
        retry = "retry-after: 5\r\n"
        self._over_limit = problem_bytes(503, "Service Unavailable", detail, retry)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        head_was_open = self._in_head
        super().data_received(data)
        if self._in_head and head_was_open and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse(self._too_large())

    # -- parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_begun, self._head_bytes = True, True, 0
        if self._head_timer is None and self._idle():
            self._arm()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_begun, self._head_bytes = False, False, 0
        self._disarm()
        if self._over_limit is not None:
            self._refuse(self._over_limit)
            return
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_head_bytes:  # it all came in one read of the socket
            self._refuse(self._too_large())
            return
        super().on_headers_complete()
        self._body_timer = self.loop.call_later(self.body_timeout_s, self._on_body_timeout)
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope:  # not an upgrade to a websocket
            channel = StreamChannel(cycle)
            self._channels = [*(c for c in self._channels if not c.done), channel]
            self.scope.setdefault("extensions", {})[STREAM_CHANNEL] = {"channel": channel}

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm_body()
        if not self._refused:
            super().on_message_complete()

    # -- the deadline ----------------------------------------------------------------------

    def _idle(self) -> bool:
        """No response is being sent on this connection (so a 408 cannot cut into one)."""
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._on_head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _on_head_timeout(self) -> None:
        self._head_timer = None
        if not self._in_head or not self._idle() or self.transport.is_closing():
            return
        if not self._head_begun:
            self.transport.close()  # connected and said nothing: nothing to answer
            return
        seconds = f"{self.head_timeout_s:g}"
        detail = f"the request line and headers must arrive within {seconds} s"
        self._refuse(problem_bytes(408, "Request Timeout", detail))

    def _disarm_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _on_body_timeout(self) -> None:
        self._body_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started:
            self.transport.close()  # answered already; the rest of the body is not wanted
            return
        detail = f"the request body must arrive within {self.body_timeout_s:g} s of its head"
        self._refuse(problem_bytes(408, "Request Timeout", detail))

    def _too_large(self) -> bytes:
        detail = f"the request line and headers must be at most {self.max_head_bytes} bytes"
        return problem_bytes(431, "Request Header Fields Too Large", detail)

    def _refuse(self, response: bytes) -> None:
        self._refused = True
        self._disarm()
        self._disarm_body()
        self.transport.write(response)
        self.transport.close()


def guarded_protocol(
    head_timeout_s: float,
    max_head_bytes: int,
    *,
    body_timeout_s: float = GuardedHttpToolsProtocol.body_timeout_s,
    max_connections: int = GuardedHttpToolsProtocol.max_connections,
    max_per_address: int = GuardedHttpToolsProtocol.max_per_address,
) -> type[HttpToolsProtocol]:
    """The protocol class for ``uvicorn.run(http=...)``, with these limits; the connections
    of each address are counted per class, so per server."""
    limits = {
        "head_timeout_s": head_timeout_s,
        "max_head_bytes": max_head_bytes,
        "body_timeout_s": body_timeout_s,
        "max_connections": max_connections,
        "max_per_address": max_per_address,
        "open_per_address": Counter(),
    }
    return type("GatewayHttpProtocol", (GuardedHttpToolsProtocol,), limits)
