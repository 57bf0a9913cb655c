"""The one consumer per topic and process that feeds every live view of that topic.

A reader is assigned all partitions of its topic, without a consumer group (the gateway keeps
no committed offsets: everything it knows it rebuilds from the topic), keeps what its subclass
stores, and hands each record to its listeners synchronously, in partition order. Clients never
get a consumer of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaError
from pydantic import BaseModel

from streampay_contracts.kafka import topic_partitions
from streampay_gateway.views import metrics
from streampay_gateway.views.positions import Offsets
from streampay_gateway.views.records import Record, from_kafka

log = structlog.get_logger(__name__)

Listener = Callable[[Record], None]


BATCH_RECORDS = 200
"""Records applied at once before the streams get a turn: well under a client's queue
(``VIEWS_CLIENT_QUEUE``), so a burst on the topic cannot overflow a client that keeps up."""


class TopicReader:
    """Reads one topic forever from the offsets :meth:`start_offsets` picks."""

    def __init__(self, bootstrap_servers: str, topic: str, model: type[BaseModel]) -> None:
        self.topic = topic
        self.model = model
        self.positions: Offsets = {}
        """Partition → next offset this reader will apply; everything before it is applied."""
        self._bootstrap_servers = bootstrap_servers
        self._listeners: set[Listener] = set()
        self._targets: Offsets = {}
        self._caught_up = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # -- what subclasses decide --------------------------------------------------------------

    def start_offsets(self, beginning: Offsets, end: Offsets) -> Offsets:
        """Where reading starts in each partition; the whole topic unless a subclass says less."""
        return dict(beginning)

    def store(self, record: Record) -> Record:
        """Keep ``record``; return it as listeners should see it."""
        return record

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._consumer = consumer
        await consumer.start()
        partitions = await self._partitions(consumer)
        consumer.assign(partitions)
        beginning = _by_partition(await consumer.beginning_offsets(partitions))
        self._targets = _by_partition(await consumer.end_offsets(partitions))
        self.positions = self.start_offsets(beginning, self._targets)
        for tp in partitions:
            consumer.seek(tp, self.positions[tp.partition])
        self._check_caught_up()
        self._task = asyncio.create_task(self._run(consumer), name=f"view-reader-{self.topic}")

    async def start_when_available(self, retry_seconds: float = 1.0) -> None:
        """:meth:`start`, retried until the broker answers and the topic exists, or until
        :meth:`stop`. The flag, not only cancellation, ends the retries: aiokafka can swallow a
        cancellation that arrives while a client is connecting."""
        while not self._stopping:
            try:
                await self.start()
                return
            except (KafkaError, OSError, RuntimeError) as error:
                log.warning("topic reader cannot start yet", topic=self.topic, error=str(error))
                await self._release()
                await asyncio.sleep(retry_seconds)

    async def stop(self) -> None:
        self._stopping = True
        await self._release()

    async def _release(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        try:
            return await topic_partitions(consumer, self.topic)
        except LookupError as error:
            raise RuntimeError(str(error)) from error

    # -- listeners ---------------------------------------------------------------------------

    def attach(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def detach(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def end_offsets(self) -> Offsets:
        """The topic's end in every partition, asked of the broker now."""
        consumer = self._consumer
        if consumer is None:
            raise KafkaConnectionError("the reader of this view has not started yet")
        return _by_partition(await consumer.end_offsets(list(consumer.assignment())))

    # -- readiness ---------------------------------------------------------------------------

    def caught_up(self) -> bool:
        """Whether this reader has applied everything the topic held when it started."""
        return self._caught_up.is_set()

    async def wait_caught_up(self) -> None:
        await self._caught_up.wait()

    def _check_caught_up(self) -> None:
        if all(self.positions.get(p, 0) >= end for p, end in self._targets.items()):
            self._caught_up.set()

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        try:
            await self._consume(consumer)
        except Exception:
            log.exception("view reader stopped; its views are no longer live", topic=self.topic)
            raise

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=500, max_records=BATCH_RECORDS)
            except KafkaError as error:
                log.warning("view reader could not fetch; retrying", topic=self.topic, error=error)
                await asyncio.sleep(1)
                continue
            for messages in batches.values():
                for message in messages:
                    self.apply(from_kafka(message, self.model), message.partition, message.offset)
            await self._advance(consumer)
            await asyncio.sleep(0)  # let every stream take what it was just given

    def apply(self, record: Record | None, partition: int, offset: int) -> None:
        """Store one record, advance past it and tell every listener, all in one step."""
        self.positions[partition] = offset + 1
        if record is None:
            return
        record = self.store(record)
        for listener in list(self._listeners):
            listener(record)

    async def _advance(self, consumer: AIOKafkaConsumer) -> None:
        # The consumer's position also moves over offsets that hold no record (transaction
        # markers, compacted gaps), which the end offsets seen at start may point past.
        for tp in consumer.assignment():
            position = await consumer.position(tp)
            self.positions[tp.partition] = max(self.positions[tp.partition], position)
            highwater = consumer.highwater(tp)
            if highwater is not None:
                metrics.READER_LAG.labels(self.topic, str(tp.partition)).set(highwater - position)
        self._check_caught_up()


def _by_partition(offsets: dict[TopicPartition, int]) -> Offsets:
    return {tp.partition: offset for tp, offset in offsets.items()}
