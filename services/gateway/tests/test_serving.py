"""The HTTP server's guards: request heads must come promptly and be of bounded size; and the
channel it gives a live view: chunks past the middleware, word of a client gone or a shutdown.

A real uvicorn server on a loopback port, with the gateway's protocol class and short limits,
talked to over raw sockets. Before these guards, a connection that never finished its request
head was kept for ever and a head of any size was buffered whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from streampay_gateway.__main__ import main
from streampay_gateway.http.serving import guarded_protocol
from streampay_gateway.views.sse import EventStream
from streampay_gateway.views.stream import RecordEvent

pytestmark = pytest.mark.unit

TIMEOUT_S, MAX_HEAD = 0.5, 8 * 1024


async def hello(_: Request) -> Response:
    return JSONResponse({"hello": "world"})


async def slow_stream(_: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for n in range(6):
            yield f"data: {n}\n\n".encode()
            await asyncio.sleep(TIMEOUT_S / 2)

    return StreamingResponse(chunks(), media_type="text/event-stream")


async def live_view(_: Request) -> Response:
    async def events() -> AsyncIterator[RecordEvent]:
        for n in range(3):
            yield RecordEvent(f'{{"n":{n}}}', id=str(n))

    return EventStream(events(), send_timeout=5)


ENDED: list[str] = []
"""The live views below that have ended, in order, each once its events' ``finally`` ran and
its response was closed."""


async def forever(_: Request) -> Response:
    async def events() -> AsyncIterator[RecordEvent]:
        try:
            yield RecordEvent('{"n":0}', id="0")
            await asyncio.Event().wait()  # a quiet view: nothing more, ever
        finally:
            ENDED.append("forever events")

    return EventStream(events(), send_timeout=5, on_close=lambda: ENDED.append("forever"))


async def late(_: Request) -> Response:
    """A quiet view whose route takes a while to open it (as one waiting for the views)."""
    await asyncio.sleep(0.5)

    async def events() -> AsyncIterator[RecordEvent]:
        yield RecordEvent('{"n":0}', id="0")
        await asyncio.Event().wait()

    return EventStream(events(), send_timeout=5, on_close=lambda: ENDED.append("late"))


def flooding(name: str, send_timeout: float) -> Callable[[Request], Awaitable[Response]]:
    """A live view of 64 KiB events for as long as the client's connection takes them."""

    async def route(_: Request) -> Response:
        async def events() -> AsyncIterator[RecordEvent]:
            data = '"' + "x" * 65536 + '"'
            while True:
                yield RecordEvent(data)

        on_close = functools.partial(ENDED.append, name)
        return EventStream(events(), send_timeout=send_timeout, on_close=on_close)

    return route


class Watched:
    """A middleware that notes every message of a live view's response it is given to send."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watched(message: Message) -> None:
            if scope.get("path") == "/live":
                self.seen.append(f"{message['type']} more={message.get('more_body', False)}")
            await send(message)

        await self.app(scope, receive, watched)


WATCHED = Watched(
    Starlette(
        routes=[
            Route("/hello", hello),
            Route("/stream", slow_stream),
            Route("/live", live_view),
            Route("/forever", forever),
            Route("/flood", flooding("flood", send_timeout=0.3)),
            Route("/late", late),
            Route("/fill", flooding("fill", send_timeout=1)),
        ]
    )
)


async def serve() -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """A started server on a free loopback port, its task, and the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        WATCHED,
        host="127.0.0.1",
        port=port,
        http=guarded_protocol(TIMEOUT_S, MAX_HEAD),
        log_level="warning",
        lifespan="off",
    )
    served = uvicorn.Server(config)
    task = asyncio.create_task(served.serve())
    while not served.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    return served, task, port


@pytest_asyncio.fixture(loop_scope="session")
async def server() -> AsyncIterator[int]:
    served, task, port = await serve()
    yield port
    served.should_exit = True
    await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def own_server() -> AsyncIterator[tuple[uvicorn.Server, asyncio.Task[None], int]]:
    """A server for a test that shuts it down; forced down if it did not stop."""
    served, task, port = await serve()
    try:
        yield served, task, port
    finally:
        if not task.done():
            served.force_exit = True
            await asyncio.wait_for(task, 10)


async def reading_nothing(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection whose tiny receive buffer the test never reads: the server's fills up."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return await asyncio.open_connection(sock=sock)


async def until_ended(name: str, seconds: float = 5) -> None:
    async with asyncio.timeout(seconds):
        while name not in ENDED:  # noqa: ASYNC110 - the server's task notes it
            await asyncio.sleep(0.02)


async def exchange(port: int, *parts: bytes, pause: float = 0.0) -> bytes:
    """Send ``parts`` (``pause`` s apart) and read until the server closes; at most 10 s."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause)
        return await asyncio.wait_for(reader.read(), 10)
    except ConnectionResetError:
        return b"<reset>"
    finally:
        writer.close()


def status_and_problem(response: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower(), head
    return int(head.split(b" ")[1]), json.loads(body)


async def test_a_connection_that_sends_nothing_is_closed(server: int) -> None:
    started = asyncio.get_running_loop().time()
    assert await exchange(server) == b""  # closed by the server, nothing said
    assert asyncio.get_running_loop().time() - started < TIMEOUT_S + 5


async def test_a_head_sent_too_slowly_gets_408(server: int) -> None:
    parts = [b"GET /hello HTTP/1.1\r\n", b"Host: x\r\n", b"X-A: 1\r\n"]  # and no more
    status, problem = status_and_problem(await exchange(server, *parts, pause=TIMEOUT_S / 5))
    assert status == 408 and problem["status"] == 408
    assert "within" in str(problem["detail"])


async def test_a_head_over_the_limit_gets_431(server: int) -> None:
    huge = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (4 * 1024 * 1024) + b"\r\n\r\n"
    response = await exchange(server, huge)
    if response != b"<reset>":  # the client may still be writing when the server closes
        status, problem = status_and_problem(response)
        assert status == 431 and "at most" in str(problem["detail"])


async def test_a_long_url_over_the_limit_gets_431(server: int) -> None:
    url = b"GET /hello?q=" + b"a" * (MAX_HEAD * 4)
    response = await exchange(server, url, b" HTTP/1.1\r\nHost: x\r\n\r\n")
    if response != b"<reset>":
        assert status_and_problem(response)[0] == 431


async def test_ordinary_requests_and_long_responses_are_untouched(server: int) -> None:
    head = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Fill: " + b"f" * (MAX_HEAD // 2) + b"\r\n"
    response = await exchange(server, head, b"Connection: close\r\n\r\n", pause=TIMEOUT_S / 4)
    assert response.startswith(b"HTTP/1.1 200") and response.endswith(b'{"hello":"world"}')
    # A response that takes several timeouts to stream is never cut by the head deadline.
    stream = b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    streamed = await exchange(server, stream)
    assert streamed.startswith(b"HTTP/1.1 200") and b"data: 5" in streamed
    # Keep-alive: a second request on the same connection, after a pause, works too.
    two = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    both = await exchange(server, two, last, pause=TIMEOUT_S / 2)
    assert both.count(b"HTTP/1.1 200") == 2


async def test_a_live_view_writes_its_events_past_the_middleware(server: int) -> None:
    """The start and the end of the response pass through the middleware; the events go to
    the server directly, and arrive complete and in order."""
    WATCHED.seen.clear()
    streamed = await exchange(server, b"GET /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = streamed.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head
    events = [f'id: {n}\r\ndata: {{"n":{n}}}\r\n\r\n'.encode() for n in range(3)]
    found = [body.find(event) for event in events]
    assert 0 < found[0] < found[1] < found[2], found  # all there, in order
    assert body.endswith(b"0\r\n\r\n")  # the chunked body's end
    assert WATCHED.seen == ["http.response.start more=False", "http.response.body more=False"]


async def test_a_finished_request_is_freed_at_once_not_left_to_the_garbage_collector(
    server: int,
) -> None:
    """Requests on a kept-alive connection: each one's server-side state (its cycle, scope and
    channel) is freed by reference counting as soon as the next request replaces it. Left in a
    reference cycle, the state of a hundred requests a second piles up until a collection frees
    it all at once, stalling every request and stream of the process meanwhile."""
    n = 20
    gc.collect()  # what earlier tests' closed connections left
    gc.disable()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server)
        try:
            for path in ["/hello", "/live"] * (n // 2):
                writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                await asyncio.wait_for(
                    reader.readuntil(b"\r\n0\r\n\r\n" if path == "/live" else b'{"hello":"world"}'),
                    5,
                )
            gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds, kept to be looked at
            gc.collect()
            left = [o for o in gc.garbage if isinstance(o, RequestResponseCycle)]
        finally:
            writer.close()
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == [], f"{len(left)} of {n} requests were left to the garbage collector"


async def test_a_live_view_ends_as_soon_as_its_client_hangs_up(server: int) -> None:
    ENDED.clear()
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.wait_for(reader.readuntil(b'data: {"n":0}'), 5)
    writer.close()
    await until_ended("forever")
    assert ENDED == ["forever events", "forever"]


async def test_a_client_that_reads_nothing_is_let_go_after_the_send_timeout(server: int) -> None:
    """A client whose socket stops taking bytes: once the server's buffer for it is full for
    the send timeout, the stream ends and the connection is dropped."""
    ENDED.clear()
    reader, writer = await reading_nothing(server)
    try:
        writer.write(b"GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
        await until_ended("flood")
        with contextlib.suppress(ConnectionResetError):
            async with asyncio.timeout(5):  # the server has closed its end: reading ends
                while await reader.read(1 << 20):
                    pass
    finally:
        writer.close()


async def test_a_live_view_ends_when_the_server_shuts_down() -> None:
    """A shutting-down server waits for every open response; a quiet live view ends at once
    and its client sees the end of the body, rather than the server waiting for ever."""
    ENDED.clear()
    async with own_server() as (served, task, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
            await asyncio.wait_for(reader.readuntil(b'data: {"n":0}'), 5)
            served.should_exit = True
            await asyncio.wait_for(task, 5)
            assert (await asyncio.wait_for(reader.read(), 5)).endswith(b"0\r\n\r\n")
            assert ENDED == ["forever events", "forever"]
        finally:
            writer.close()


async def test_a_client_that_leaves_before_its_stream_opens_is_let_go(server: int) -> None:
    ENDED.clear()
    _, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    writer.close()  # while the route still waits
    await until_ended("late")


async def test_a_server_stops_at_once_with_a_request_pipelined_behind_a_stream() -> None:
    """The protocol holds the pipelined request's channel too, and ends the running stream."""
    ENDED.clear()
    async with own_server() as (served, task, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            hello = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
            writer.write(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n" + hello)
            await asyncio.wait_for(reader.readuntil(b'data: {"n":0}'), 5)
            served.should_exit = True
            await asyncio.wait_for(task, 5)
            assert ENDED == ["forever events", "forever"]
        finally:
            writer.close()


async def test_a_server_stops_at_once_with_a_stream_still_opening() -> None:
    ENDED.clear()
    async with own_server() as (served, task, port):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            served.should_exit = True  # while the route still waits
            await asyncio.wait_for(task, 5)
            assert ENDED == ["late"]
        finally:
            writer.close()


async def test_a_server_stops_with_a_client_that_reads_nothing_within_the_send_timeout() -> None:
    """Its stream ends at once; the end of the body cannot be written to a client that takes
    nothing, so the connection is dropped after the send timeout (1 s here)."""
    ENDED.clear()
    async with own_server() as (served, task, port):
        _, writer = await reading_nothing(port)
        try:
            writer.write(b"GET /fill HTTP/1.1\r\nHost: x\r\n\r\n")
            async with asyncio.timeout(5):  # the server's buffer for it fills: writing pauses
                while not any(c.flow.write_paused for c in served.server_state.connections):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            assert ENDED == []
            served.should_exit = True
            await asyncio.wait_for(task, 5)
            assert ENDED == ["fill"]
        finally:
            writer.close()


def test_the_gateway_is_served_with_the_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("HTTP_HEAD_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("HTTP_MAX_HEAD_BYTES", "10000")
    main()
    protocol = seen["http"]
    assert isinstance(protocol, type)
    assert protocol.head_timeout_s == 7 and protocol.max_head_bytes == 10000  # type: ignore[attr-defined]
