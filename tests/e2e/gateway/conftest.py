"""Fixtures of the gateway's end-to-end tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from streampay_contracts import encode, topics
from streampay_infra import topics as infra_topics
from streampay_infra.stack import Stack

# -- live views (SSE) --------------------------------------------------------------------------


@dataclass(frozen=True)
class SseEvent:
    event: str
    """``message`` when the server named none, as browsers have it."""
    data: str
    id: str | None
    """The stream's last event id once this event was dispatched."""


@dataclass
class SseStream:
    """An open SSE response read like a browser does: events, comments, the last event id."""

    response: httpx.Response
    last_id: str | None = None
    ended: bool = False
    _events: asyncio.Queue[SseEvent | None] = field(default_factory=asyncio.Queue)

    async def pump(self) -> None:
        try:
            await self._read()
        finally:  # ended by the server, or the connection broke
            self._events.put_nowait(None)

    async def _read(self) -> None:
        event, data, has_data = "", [], False
        async for line in self.response.aiter_lines():
            if line == "":
                if has_data:
                    await self._events.put(
                        SseEvent(event or "message", "\n".join(data), self.last_id)
                    )
                event, data, has_data = "", [], False
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "id":
                    self.last_id = value
                elif name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                    has_data = True

    async def next(self, within: float = 10) -> SseEvent:
        """The next event; AssertionError when the stream ends or nothing comes in time."""
        item = await asyncio.wait_for(self._events.get(), within)
        if item is None:
            self.ended = True
            raise AssertionError("the stream ended")
        return item

    async def until(self, name: str, within: float = 10) -> list[SseEvent]:
        """Events up to and including the first named ``name``."""
        received: list[SseEvent] = []
        while not received or received[-1].event != name:
            received.append(await self.next(within))
        return received

    async def until_quiet(self, quiet: float = 2) -> list[SseEvent]:
        """Every event that comes until none has for ``quiet`` seconds."""
        received: list[SseEvent] = []
        while True:
            try:
                received.append(await self.next(within=quiet))
            except TimeoutError:
                return received

    async def matching(
        self, wanted: Callable[[SseEvent], bool], count: int, within: float = 15
    ) -> list[SseEvent]:
        """The next ``count`` events ``wanted`` accepts, skipping the others."""
        found: list[SseEvent] = []
        async with asyncio.timeout(within):
            while len(found) < count:
                event = await self.next(within)
                if wanted(event):
                    found.append(event)
        return found

    async def ends(self, within: float = 10) -> bool:
        """Whether the server ends the stream within ``within`` s (skipping events until then)."""
        async with asyncio.timeout(within):
            while await self._events.get() is not None:
                pass
        return True


@dataclass(frozen=True)
class Person:
    """A signed-in user of the end-to-end tests: their id, username and bearer token."""

    user_id: str
    username: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Caller:
    user_id: str
    token: str


@dataclass
class LiveKit:
    """Signs in, writes view records straight to Kafka, and opens SSE streams."""

    base_url: str
    producer: AIOKafkaProducer

    async def sign_in(self, scope: str | None = None) -> Caller:
        username = f"v{uuid.uuid4().hex[:12]}"
        body: dict[str, str] = {"username": username, "name": f"Viewer {username}"}
        if scope is not None:
            body["scope"] = scope
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            response = await client.post("/auth/token", json=body)
        assert response.status_code == 200, response.text
        return Caller(f"local|{username}", response.json()["access_token"])

    async def produce(
        self,
        topic: str,
        key: str,
        value: BaseModel | None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, int]:
        """Write one record (a tombstone when ``value`` is None); its partition and offset."""
        meta = await self.producer.send_and_wait(
            topic,
            None if value is None else encode(value),
            key=key.encode(),
            headers=[(k, v.encode()) for k, v in (headers or {}).items()],
        )
        return meta.partition, meta.offset

    @asynccontextmanager
    async def sse(
        self, path: str, token: str, last_event_id: str | None = None
    ) -> AsyncIterator[SseStream]:
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        async with open_sse(self.base_url, path, token, headers) as stream:
            yield stream


@asynccontextmanager
async def open_sse(
    base_url: str, path: str, token: str | None, headers: dict[str, str], connect_s: float = 15
) -> AsyncIterator[SseStream]:
    """An SSE stream of ``path`` that must open with 200, read in the background while in use."""
    sent = {"Accept": "text/event-stream", **headers}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    timeout = httpx.Timeout(connect_s, read=None)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=timeout) as client,
        client.stream("GET", path, headers=sent) as response,
    ):
        assert response.status_code == 200, (await response.aread()).decode()
        stream = SseStream(response, last_id=sent.get("Last-Event-ID"))
        pump = asyncio.create_task(stream.pump())
        try:
            yield stream
        finally:
            pump.cancel()
            with suppress(asyncio.CancelledError, httpx.HTTPError):
                await pump


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def view_topics(stack: Stack, kafka: str) -> None:
    """The view topics the streams worker creates itself (``statements``), made here too."""
    specs = tuple(s for s in topics.streams_topic_specs() if s.name == topics.STATEMENTS)
    await infra_topics.apply(kafka, stack.config.partitions, specs)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def view_producer(kafka: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=1)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
def live(stack: Stack, view_topics: None, view_producer: AIOKafkaProducer) -> LiveKit:
    """The live views of the stack's gateway, started if it is not running yet.

    The view tests write the view topics themselves, so they need the broker and the gateway
    but not the streams worker.
    """
    stack.start_service("gateway")
    return LiveKit(stack.config.gateway_url, view_producer)


# -- people and HTTP through the real stack ------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session")
async def http(services: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=services.config.gateway_url, timeout=30) as client:
        yield client


async def person(http: httpx.AsyncClient, scope: str | None = None, profile: bool = True) -> Person:
    username = f"e{uuid.uuid4().hex[:12]}"
    body = {"username": username, "name": f"E2E {username}"}
    if scope:
        body["scope"] = scope
    token = (await http.post("/auth/token", json=body)).json()["access_token"]
    someone = Person(f"local|{username}", username, token)
    if profile:
        saved = await http.put(
            "/current-user", json={"name": body["name"], "username": username}, headers=someone.auth
        )
        assert saved.status_code == 204, saved.text
    return someone
