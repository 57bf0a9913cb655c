"""The bench on Kafka: pay commands exactly as the gateway writes them, their replies, and the
end offsets of every topic. Names of topics and headers come from the contracts package, and
the correlation id and body fingerprint from the gateway's own module."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streampay_contracts import PayCommand, encode, headers, topics
from streampay_contracts.envelopes import CommandEnvelope, ReplyEnvelope
from streampay_gateway.commands.correlation import correlation_id, fingerprint

PAY_ROUTE = "POST /pay"
"""The route part of the correlation id; any fixed text does, as long as ids do not repeat."""

VIEW_TOPICS = (
    topics.BALANCES,
    topics.BALANCE_HISTORIES,
    topics.ACTIVITIES,
    topics.PAYMENT_REQUESTS,
    topics.STATEMENTS,
    topics.TOTAL_TRANSACTIONS,
    topics.AVERAGE_TRANSACTIONS,
)


@dataclass(frozen=True, slots=True)
class Record:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    correlation_id: str


def pay_commands(users: list[str], count: int, amount: Decimal, rng: random.Random) -> list[Record]:
    """``count`` payments of ``amount`` between random distinct users, keyed by payer."""
    records = []
    for _ in range(count):
        payer, payee = rng.sample(users, 2)
        command = PayCommand(user_id=payee, amount=amount)
        key = uuid.uuid4().hex
        cid = correlation_id(payer, PAY_ROUTE, key)
        envelope = CommandEnvelope(
            identity=payer,
            domain_model=str(command.domain_model),
            correlation_id=cid,
            idempotency_key=key,
            fingerprint=fingerprint(command),
        )
        records.append(
            Record(payer.encode(), encode(command), headers.to_kafka(envelope.to_headers()), cid)
        )
    return records


def producer(bootstrap: str) -> AIOKafkaProducer:
    """The gateway's producer settings (idempotent, acks=all, linger 1 ms), larger batches."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=1,
        max_batch_size=256 * 1024,
    )


async def produce_all(out: AIOKafkaProducer, records: list[Record]) -> float:
    """Produce every record as fast as the client goes; returns the time of the first send."""
    started = time.perf_counter()
    pending = [
        await out.send(topics.COMMANDS, r.value, key=r.key, headers=r.headers) for r in records
    ]
    await asyncio.gather(*pending)
    return started


@dataclass
class Replies:
    """Follows ``replies`` from its end: when each awaited correlation id was answered."""

    bootstrap: str
    seen: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    awaited: set[str] = field(default_factory=set)
    _waiters: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = await follow_from(self.bootstrap, topics.REPLIES, from_start=False)
        self._consumer = consumer
        self._task = asyncio.create_task(self._follow(consumer))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    def expect(self, cids: list[str]) -> None:
        self.awaited = set(cids)
        self.seen.clear()
        self.statuses.clear()

    def waiter(self, cid: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[cid] = future
        return future

    @property
    def complete(self) -> bool:
        return len(self.seen) >= len(self.awaited)

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for status in self.statuses.values():
            counts[status] = counts.get(status, 0) + 1
        return counts

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            now = time.perf_counter()
            for batch in batches.values():
                for record in batch:
                    reply = ReplyEnvelope.from_headers(headers.from_kafka(record.headers))
                    cid = "" if reply is None else reply.correlation_id
                    if reply is not None and cid in self.awaited and cid not in self.seen:
                        self.seen[cid] = now
                        self.statuses[cid] = str(reply.status or "?")
                    if (waiter := self._waiters.pop(cid, None)) is not None and not waiter.done():
                        waiter.set_result(now)


class EndOffsets:
    """End offsets of topics, summed over their partitions (no consumer group)."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._partitions: dict[str, list[int]] = {}

    async def start(self) -> None:
        await self._consumer.start()
        await self._admin.start()

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def all_topics(self) -> list[str]:
        """Every topic on the broker, internal ones (changelogs, ``__consumer_offsets``) too."""
        self._partitions = await partitions(self._admin)
        return sorted(self._partitions)

    async def of(self, names: list[str] | tuple[str, ...]) -> dict[str, int]:
        if any(name not in self._partitions for name in names):
            await self.all_topics()
        parts = [TopicPartition(name, p) for name in names for p in self._partitions.get(name, ())]
        ends = await self._consumer.end_offsets(parts) if parts else {}
        totals = dict.fromkeys(names, 0)
        for part, end in ends.items():
            totals[part.topic] += end
        return totals


async def partitions(admin: AIOKafkaAdminClient) -> dict[str, list[int]]:
    """The partition numbers of every topic on the broker."""
    return {
        topic["topic"]: sorted(p["partition"] for p in topic["partitions"])
        for topic in await admin.describe_topics()
    }


async def follow_from(bootstrap: str, topic: str, *, from_start: bool) -> AIOKafkaConsumer:
    """A started consumer (no group) assigned every partition of ``topic``, at its start or
    at its end as of now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        numbers = (await partitions(admin)).get(topic, [])
    finally:
        await admin.close()
    parts = [TopicPartition(topic, p) for p in numbers]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    consumer.assign(parts)
    if from_start:
        await consumer.seek_to_beginning(*parts)
    else:
        await consumer.seek_to_end(*parts)
    for part in parts:
        await consumer.position(part)
    return consumer
