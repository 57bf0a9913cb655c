"""The load: HTTP commands at a constant arrival rate, and SSE clients, each run in a process of
its own (`in_process`) on its own uvloop event loop. The commands are the API's typed requests
(:mod:`streampay_contracts.client`: exact amounts, the route's headers), sent with aiohttp,
which keeps thousands of requests in flight from one process for less CPU than httpx; the
fan-out's clients are raw connections (:class:`Watcher`)."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp
import uvloop

from streampay_contracts import PayCommand
from streampay_contracts.client import command_call

CENT = Decimal("0.01")

Pair = tuple[str, str]
"""A payer's token and the payee's user id."""


def raise_fd_limit() -> None:
    """As many open files as allowed: a connection is a file descriptor on both ends."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


CONTEXT = multiprocessing.get_context("spawn")


@contextlib.contextmanager
def in_process(target: Callable[..., Any], *args: Any) -> Iterator[Any]:
    """Start ``target(*args)`` in a fresh process; yields a handle whose ``get()`` returns
    ``{"result", "cpu_s"}`` (the process's own CPU time) once it is done."""
    with CONTEXT.Pool(1) as pool:
        yield pool.apply_async(_timed, (target, *args))


def _timed(target: Callable[..., Any], *args: Any) -> dict[str, Any]:
    raise_fd_limit()
    started = time.process_time()
    result = uvloop.run(target(*args))
    return {"result": result, "cpu_s": time.process_time() - started}


async def pay_at_rate(url: str, pairs: list[Pair], rate: float, seconds: float) -> dict[str, Any]:
    """POST /pay ``rate`` times a second for ``seconds``, open loop; latencies in ms from each
    command's intended send time, and the count of each outcome."""
    total = int(rate * seconds)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as http:
        # Each pair's payment is built and encoded once; every send is a new command (new key).
        payments = [
            command_call(token, PayCommand(user_id=payee, amount=CENT, notes="bench"))
            for token, payee in pairs
        ]

        async def one(n: int, due: float) -> None:
            call = payments[n % len(payments)].again()
            try:
                async with http.request(
                    call.method, call.path, data=call.content, headers=call.headers
                ) as response:
                    await response.read()
                    outcome = str(response.status)
            except (aiohttp.ClientError, TimeoutError) as error:
                outcome = type(error).__name__
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "200":
                latencies.append((time.perf_counter() - due) * 1000)

        start = time.perf_counter() + 0.2
        tasks = []
        for n in range(total):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
    return {"sent": total, "latencies_ms": latencies, "outcomes": outcomes}


@dataclass
class SseEvent:
    event: str
    data: str


async def sse_events(response: aiohttp.ClientResponse) -> Any:
    """The events of an SSE response, as they arrive."""
    event, data = "message", list[str]()
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                yield SseEvent(event, "\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


READY = b"\nevent: ready\r\n"
OPENING = 200
"""Streams being opened at once. 10,000 connects in the same instant overflow the listen
backlog of any server (dropped SYNs come back after seconds of TCP back-off); people do not all
open the page in the same millisecond either. Connect time is counted from the client's turn."""


OK = b"HTTP/1.1 200"


def activities_request(token: str, last_event_id: str | None = None) -> bytes:
    """The request for the ``/activities`` stream, for clients on a raw connection."""
    resume = "" if last_event_id is None else f"Last-Event-ID: {last_event_id}\r\n"
    return (
        "GET /activities HTTP/1.1\r\nHost: gateway\r\nAccept: text/event-stream\r\n"
        f"Authorization: Bearer {token}\r\n{resume}\r\n"
    ).encode()


class Watcher(asyncio.Protocol):
    """One fan-out client: an SSE request on a raw connection, whose bytes are scanned for
    ``ready`` and then for the marker, each moment stamped as its bytes arrive.

    10,000 of them share one process. An HTTP client library's stream reader (parser, buffer,
    a task woken per read) cost the load generator more than the gateway spent sending, so the
    fan-out figure measured the clients; scanning the bytes in the protocol's own callback keeps
    the generator out of the way and takes the time of arrival, not of a task's turn."""

    def __init__(self, request: bytes, marker: bytes) -> None:
        self._request = request
        self._needles = [READY, marker]
        self._tail = b""
        self._status_unseen = True
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[float] = loop.create_future()
        self.arrived: asyncio.Future[float] = loop.create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        window = self._tail + data
        if self._status_unseen:
            if len(window) < len(OK):
                self._tail = window
                return
            self._status_unseen = False
            if not window.startswith(OK):
                self.ready.set_exception(ConnectionError(window[:200].decode(errors="replace")))
                self._needles = []
                return
        while self._needles and (at := window.find(self._needles[0])) >= 0:
            needle = self._needles.pop(0)
            stamp = time.perf_counter() if needle is READY else time.time()
            (self.ready if needle is READY else self.arrived).set_result(stamp)
            window = window[at + len(needle) :]
        self._tail = window[-max(len(READY), 64) :] if self._needles else b""

    def connection_lost(self, exc: Exception | None) -> None:
        ended = ConnectionError("the stream ended before its marker")
        if not self.ready.done():
            self.ready.set_exception(ended)
        elif self.ready.exception() is None and not self.arrived.done():
            self.arrived.set_exception(ended)  # only what the client still awaits


async def fan_out(
    url: str, token: str, clients: int, marker: str, wait_s: float, signal: Any
) -> dict[str, Any]:
    """Open ``clients`` SSE streams of /activities; each reports its connect-to-``ready`` time,
    then the wall-clock moment the activity whose notes hold ``marker`` reached it. When all
    are connected (or after ``wait_s``), ``signal`` (a manager's dict) gets their count.

    A client stays connected until the marker has reached every client: one that hung up on
    receipt would have the gateway tearing connections down while it is still delivering the
    event to the others, which is not the situation measured."""
    connect_ms: list[float] = []
    arrived: list[float] = []
    ready, everyone = asyncio.Event(), asyncio.Event()
    opening = asyncio.Semaphore(OPENING)
    connected = 0
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    request = activities_request(token)
    loop = asyncio.get_running_loop()
    watchers: list[Watcher] = []

    async def client() -> None:
        nonlocal connected
        async with opening:
            began = time.perf_counter()
            _, watcher = await asyncio.wait_for(
                loop.create_connection(lambda: Watcher(request, marker.encode()), host, port), 60
            )
            watchers.append(watcher)
            connect_ms.append((await watcher.ready - began) * 1000)
        connected += 1
        if connected == clients:
            ready.set()
        arrived.append(await watcher.arrived)
        if len(arrived) == connected:
            everyone.set()

    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ready.wait(), wait_s)
    signal["connected"] = connected
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(everyone.wait(), 30)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for watcher in watchers:
        if watcher.transport is not None:
            watcher.transport.close()
    return {"connect_ms": connect_ms, "arrived": arrived}
