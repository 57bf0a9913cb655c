"""Fixtures of the streams integration tests: the worker on the session's real broker, and a
``Bus`` that produces records the way the gateway does and follows every topic the worker writes.

The worker is the session's ``streams`` service. These tests ask for their replies on a topic of
their own (``zilla:reply-to``), so that nothing else answering ``commands`` in the same session
can be mistaken for the worker. Every test uses fresh user ids, so tests never interfere.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pydantic import BaseModel

from streampay_contracts import (
    Activity,
    Balance,
    PaymentRequest,
    Problem,
    Statement,
    Transaction,
    User,
    codec,
    headers,
    topics,
)
from streampay_contracts.kafka import topic_partitions
from streampay_infra.stack import Stack
from streampay_streams.config import StreamsSettings

M = TypeVar("M", bound=BaseModel)

TEST_REPLIES = "streams-tests-replies"
WORKER_ENV = {
    "STREAMS_REPLY_TOPICS": f"{topics.REPLIES},{TEST_REPLIES}",
    "STREAMS_SESSION_TIMEOUT_MS": "6000",
}
FOLLOWED = (
    TEST_REPLIES,
    topics.REPLIES,
    topics.TRANSACTIONS,
    topics.BALANCES,
    topics.PAYMENT_REQUESTS,
    topics.ACTIVITIES,
    topics.USER_ACTIVITIES,
    topics.STATEMENTS,
    topics.TOTAL_TRANSACTIONS,
    topics.AVERAGE_TRANSACTIONS,
)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def value(self, model: type[M]) -> M:
        return codec.decode(self.body, model)

    @property
    def problem(self) -> Problem:
        return self.value(Problem)


@dataclass
class Bus:
    """Produces commands and profiles; remembers everything the worker publishes."""

    bootstrap: str
    producer: AIOKafkaProducer
    replies: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    default_replies: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    legs: dict[str, list[Transaction]] = field(default_factory=lambda: defaultdict(list))
    balances: dict[str, list[Balance]] = field(default_factory=lambda: defaultdict(list))
    requests: dict[str, list[PaymentRequest | None]] = field(
        default_factory=lambda: defaultdict(list)
    )
    request_identity: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    activities: list[tuple[str, Activity]] = field(default_factory=list)
    statements: dict[str, Statement] = field(default_factory=dict)
    latest: dict[str, bytes] = field(default_factory=dict)

    async def send(
        self,
        body: BaseModel | bytes,
        actor: str | None,
        *,
        model: str | None = None,
        key: str | None = None,
        cid: str | None = None,
        reply_to: str | None = TEST_REPLIES,
        **extra: str,
    ) -> str:
        """Produce one command the way the gateway does; returns its correlation id."""
        correlation_id = cid or f"t-{uuid.uuid4().hex}"
        found = {
            headers.DOMAIN_MODEL: model or type(body).__name__,
            headers.CORRELATION_ID: correlation_id,
            headers.IDEMPOTENCY_KEY: f"k-{correlation_id}",
            headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE,
            **({headers.IDENTITY: actor} if actor else {}),
            **({headers.REPLY_TO: reply_to} if reply_to else {}),
            **extra,
        }
        value = body if isinstance(body, bytes) else codec.encode(body)
        record_key = (key if key is not None else actor or "").encode()
        await self.producer.send(
            topics.COMMANDS, value, key=record_key, headers=headers.to_kafka(found)
        )
        return correlation_id

    async def reply(self, cid: str, within: float = 30) -> Reply:
        await until(lambda: bool(self.replies.get(cid)), within, f"a reply to {cid}")
        return self.replies[cid][0]

    async def user(self, name: str, grant: bool = True) -> str:
        """A new user on ``users`` (as the gateway's PUT /current-user writes it)."""
        suffix = uuid.uuid4().hex[:8]
        user = User(id=f"local|{name}-{suffix}", name=name.title(), username=f"{name}-{suffix}")
        await self.producer.send_and_wait(topics.USERS, codec.encode(user), key=user.id.encode())
        if grant:
            await until(lambda: self.balance(user.id) is not None, 30, f"{user.id}'s signup grant")
        return user.id

    @staticmethod
    async def until(check: Callable[[], bool], within: float, what: str) -> None:
        await until(check, within, what)

    @staticmethod
    async def until_async(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
        """Like :meth:`until`, for a check that has to read Kafka itself."""
        deadline = asyncio.get_running_loop().time() + within
        while not await check():
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
            await asyncio.sleep(0.5)

    def balance(self, user_id: str) -> Balance | None:
        found = self.balances.get(user_id)
        return found[-1] if found else None

    def follow(self, topic: str, key: str, value: bytes | None, found: dict[str, str]) -> None:
        if topic in (TEST_REPLIES, topics.REPLIES) and value is not None:
            into = self.replies if topic == TEST_REPLIES else self.default_replies
            reply = Reply(int(found.get(headers.STATUS, "0")), value, found)
            into[found.get(headers.CORRELATION_ID, "")].append(reply)
        elif topic == topics.PAYMENT_REQUESTS:
            self.requests[key].append(
                None if value is None else codec.decode(value, PaymentRequest)
            )
            self.request_identity[key].add(found.get(headers.IDENTITY, ""))
        elif value is not None:
            self._view(topic, key, value)

    def _view(self, topic: str, key: str, value: bytes) -> None:
        if topic == topics.TRANSACTIONS:
            leg = codec.decode(value, Transaction)
            self.legs[leg.command_id].append(leg)
        elif topic == topics.BALANCES:
            self.balances[key].append(codec.decode(value, Balance))
        elif topic in (topics.ACTIVITIES, topics.USER_ACTIVITIES):
            self.activities.append((key, codec.decode(value, Activity)))
        elif topic == topics.STATEMENTS:
            self.statements[key] = codec.decode(value, Statement)
        else:
            self.latest[topic] = value


async def until(check: Callable[[], bool], within: float, what: str) -> None:
    """Poll ``check`` every 50 ms; fail the test after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


def ensure_worker(stack: Stack) -> None:
    """Exactly one healthy ``streams`` worker, started with this suite's settings, and the
    projector that turns its events into the views."""
    stack.start_service("streams", env=WORKER_ENV)
    stack.start_service("projector")


@pytest.fixture(scope="session")
def streams(stack: Stack, kafka: str) -> Iterator[Stack]:
    """The session's streams worker, running with the settings these tests need."""
    asyncio.run(_create_topic(kafka, TEST_REPLIES, stack.config.partitions))
    if stack.supervisor.is_running("streams"):
        stack.stop_service("streams")  # restarted below with the reply topic allowed
    ensure_worker(stack)
    # Earlier tests of the session may have left commands no worker answered (the gateway's
    # own tests run without one); these tests time their commands, so they start after those.
    asyncio.run(_drained(kafka, topics.COMMANDS, DRAIN_WITHIN_S))
    yield stack
    ensure_worker(stack)


@dataclass
class Workers:
    """Start, kill and add streams workers of the session stack (blocking calls, in a thread)."""

    stack: Stack

    async def kill(self, name: str = "streams") -> None:
        await asyncio.to_thread(self.stack.supervisor.kill, name)

    async def start(self) -> None:
        await asyncio.to_thread(ensure_worker, self.stack)

    async def add(self, name: str) -> None:
        data_dir = self.stack.config.data_dir / name
        env = {**WORKER_ENV, "STREAMS_DATA_DIR": str(data_dir)}
        await asyncio.to_thread(self.stack.start_replica, "streams", name, env)

    async def stop(self, name: str) -> None:
        await asyncio.to_thread(self.stack.stop_service, name)

    def log(self, name: str = "streams") -> str:
        return self.stack.supervisor.log_path(name).read_text(errors="replace")


@pytest.fixture
def workers(streams: Stack) -> Iterator[Workers]:
    """Control of the workers; whatever a test does, one healthy worker remains afterwards."""
    yield Workers(streams)
    ensure_worker(streams)


DRAIN_WITHIN_S = 300


async def _drained(bootstrap: str, topic: str, within: float) -> None:
    """Wait until the streams worker's group has committed every record ``topic`` holds now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        ends = await consumer.end_offsets(await topic_partitions(consumer, topic))
        group = StreamsSettings().group_id

        async def caught_up() -> bool:
            committed = await admin.list_consumer_group_offsets(group)
            return all(
                (found := committed.get(tp)) is not None and found.offset >= end
                for tp, end in ends.items()
                if end > 0
            )

        await Bus.until_async(caught_up, within, f"the worker to answer the {topic} already there")
    finally:
        await consumer.stop()
        await admin.close()


async def _create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def bus(streams: Stack) -> AsyncIterator[Bus]:
    bootstrap = streams.config.bootstrap_servers
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    the_bus = Bus(bootstrap, producer)
    await _follow_from_now(consumer)
    task = asyncio.create_task(_tail(consumer, the_bus))
    yield the_bus
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await consumer.stop()
    await producer.stop()


async def _follow_from_now(consumer: AIOKafkaConsumer) -> None:
    cluster = await consumer._client.fetch_all_metadata()
    partitions = [
        TopicPartition(topic, number)
        for topic in FOLLOWED
        for number in sorted(cluster.partitions_for_topic(topic) or ())
    ]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for partition in partitions:  # pin the positions before any test produces
        await consumer.position(partition)


async def _tail(consumer: AIOKafkaConsumer, the_bus: Bus) -> None:
    while True:
        for records in (await consumer.getmany(timeout_ms=100)).values():
            for record in records:
                key = (record.key or b"").decode()
                the_bus.follow(record.topic, key, record.value, headers.from_kafka(record.headers))
