"""The process's one Kafka consumer: every topic the gateway reads, in one fetch loop.

The gateway reads ``replies`` (into the reply index) and every view topic (into tables and
logs). Each is a :class:`Source`; the feed assigns all their partitions to a single
``AIOKafkaConsumer`` without a consumer group (the gateway keeps no committed offsets and
rebuilds everything from the topics at every start), seeks each partition to where its source
starts, and hands every record to its source, in partition order. One consumer means one set of
fetch requests to the broker per round for all topics, instead of one per topic.

The feed never gives up: while the broker is unreachable it retries with a pause, keeps the
positions its sources had reached and resumes from them; a topic that does not exist yet (the
streams worker creates some of them) is read once it does, and the others meanwhile. Each source
reports whether it has caught up with what its topic held when the gateway first connected,
which readiness and the command path wait for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaError

from streampay_contracts.kafka import topic_partitions

log = structlog.get_logger(__name__)

Offsets = dict[int, int]
"""Partition → offset."""

RETRY_S = 1.0

FETCH_RECORDS = 200
"""Records handed out per round before the streams get a turn: well under a client's queue
(``VIEWS_CLIENT_QUEUE``), so a burst on a topic cannot overflow a client that keeps up."""

FETCH_WAIT_MS = 500
"""How long a fetch waits for records when there are none (the broker answers as soon as one
arrives, so this bounds idle polling, not latency)."""


class Bounds:
    """What a source may ask of the broker to choose where it starts."""

    def __init__(
        self,
        beginning: Offsets,
        end: Offsets,
        since: Callable[[int], Awaitable[Offsets]],
    ) -> None:
        self.beginning = beginning
        self.end = end
        self._since = since

    async def since(self, timestamp_ms: int) -> Offsets:
        """The first offset of each partition written at or after ``timestamp_ms``, else the
        end."""
        found = await self._since(timestamp_ms)
        return {p: found.get(p, self.end[p]) for p in self.end}


class Source:
    """A topic as one part of the gateway reads it: where to start, and what to do with each
    record. Subclasses say both."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.positions: Offsets = {}
        """Partition → next offset this source will take; everything before it is taken."""
        self._targets: Offsets = {}
        self._caught_up = asyncio.Event()
        self._feed: KafkaFeed | None = None

    async def first_offsets(self, bounds: Bounds) -> Offsets:
        """Where reading starts in each partition; the whole topic unless a subclass says less."""
        return dict(bounds.beginning)

    def take(self, message: Any) -> None:
        """One aiokafka ``ConsumerRecord`` of this topic, in partition order: keep what it
        says and advance :attr:`positions` past it."""
        raise NotImplementedError

    def lag(self, lags: Offsets) -> None:
        """Records between each partition's high watermark and this source's position."""

    # -- readiness ---------------------------------------------------------------------------

    def caught_up(self) -> bool:
        """Whether this source has taken everything its topic held when the feed connected."""
        return self._caught_up.is_set()

    async def wait_caught_up(self, patience_s: float | None = None) -> bool:
        """Wait until caught up; False when ``patience_s`` passes first."""
        if self.caught_up():
            return True  # the usual case, on every command: no timer, no task
        with suppress(TimeoutError):
            await asyncio.wait_for(self._caught_up.wait(), patience_s)
        return self.caught_up()

    def check_caught_up(self) -> None:
        if all(self.positions.get(p, 0) >= end for p, end in self._targets.items()):
            self._caught_up.set()

    # -- the broker --------------------------------------------------------------------------

    async def end_offsets(self) -> Offsets:
        """The topic's end in every partition, asked of the broker now."""
        if self._feed is None:
            raise KafkaConnectionError(f"nothing reads {self.topic} yet")
        return await self._feed.end_offsets(self.topic)


class KafkaFeed:
    """One consumer feeding every :class:`Source` of the process."""

    def __init__(self, bootstrap_servers: str, sources: Iterable[Source] = ()) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._sources: dict[str, Source] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._missing: list[str] = []
        for source in sources:
            self.add(source)

    def add(self, source: Source) -> None:
        """Read ``source``'s topic too; before :meth:`start` only."""
        if source.topic in self._sources:
            raise ValueError(f"{source.topic} is read already")
        source._feed = self
        self._sources[source.topic] = source

    def start(self) -> None:
        """Connect and read in the background; returns at once."""
        self._task = asyncio.create_task(self._supervise(), name="kafka-feed")

    async def stop(self) -> None:
        self._stopping = True  # aiokafka can swallow a cancellation while it connects
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def end_offsets(self, topic: str) -> Offsets:
        consumer = self._consumer
        if consumer is None:
            raise KafkaConnectionError("the gateway is not connected to the broker yet")
        partitions = [tp for tp in consumer.assignment() if tp.topic == topic]
        return _by_partition(await consumer.end_offsets(partitions))

    async def _supervise(self) -> None:
        while not self._stopping:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            try:
                await consumer.start()
                await self._assign(consumer)
                self._consumer = consumer
                await self._follow(consumer)
            except (KafkaError, OSError) as error:
                log.warning("cannot read the topics yet; retrying", error=str(error))
            finally:
                self._consumer = None
                await consumer.stop()
            await asyncio.sleep(RETRY_S)

    async def _assign(self, consumer: AIOKafkaConsumer) -> None:
        """Assign every partition of the topics that exist, each at its source's position.
        A missing topic is looked for again while the others are read (see :meth:`_follow`)."""
        by_topic: dict[str, list[TopicPartition]] = {}
        for topic in self._sources:
            with suppress(LookupError):
                by_topic[topic] = await topic_partitions(consumer, topic)
        self._missing = sorted(set(self._sources) - set(by_topic))
        if self._missing:
            log.warning("topics missing; reading the others", topics=self._missing)
        everything = [tp for partitions in by_topic.values() for tp in partitions]
        consumer.assign(everything)
        beginning = await consumer.beginning_offsets(everything)
        end = await consumer.end_offsets(everything)
        for topic, partitions in by_topic.items():
            source = self._sources[topic]
            ends = _by_partition({tp: end[tp] for tp in partitions})
            if not source.positions:  # after a reconnection, carry on from where it got to
                bounds = Bounds(
                    _by_partition({tp: beginning[tp] for tp in partitions}),
                    ends,
                    _times(consumer, partitions),
                )
                source.positions = await source.first_offsets(bounds)
            if not source.caught_up():
                source._targets = ends
            for tp in partitions:
                consumer.seek(tp, source.positions[tp.partition])
            source.check_caught_up()

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        sources = self._sources
        looked = time.monotonic()
        while True:
            batches = await consumer.getmany(timeout_ms=FETCH_WAIT_MS, max_records=FETCH_RECORDS)
            for tp, messages in batches.items():
                source = sources[tp.topic]
                for message in messages:
                    try:
                        source.take(message)
                    except Exception:  # one unreadable record must not stop the others
                        log.exception("record skipped", topic=tp.topic, offset=message.offset)
                        source.positions[tp.partition] = message.offset + 1
            await self._advance(consumer)
            if self._missing and time.monotonic() - looked >= RETRY_S:
                looked = time.monotonic()
                if await self._any_created(consumer):
                    await self._assign(consumer)
            await asyncio.sleep(0)  # let every stream take what it was just given

    async def _any_created(self, consumer: AIOKafkaConsumer) -> bool:
        for topic in self._missing:
            with suppress(LookupError):
                await topic_partitions(consumer, topic)
                return True
        return False

    async def _advance(self, consumer: AIOKafkaConsumer) -> None:
        # The consumer's position also moves over offsets that hold no record (transaction
        # markers, compacted gaps), which the end offsets seen at start may point past.
        lags: dict[str, Offsets] = {topic: {} for topic in self._sources}
        for tp in consumer.assignment():
            source = self._sources[tp.topic]
            position = await consumer.position(tp)
            source.positions[tp.partition] = max(source.positions.get(tp.partition, 0), position)
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lags[tp.topic][tp.partition] = max(0, highwater - position)
        for topic, source in self._sources.items():
            source.lag(lags[topic])
            source.check_caught_up()


def _times(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> Callable[[int], Awaitable[Offsets]]:
    async def since(timestamp_ms: int) -> Offsets:
        found = await consumer.offsets_for_times({tp: timestamp_ms for tp in partitions})
        return {tp.partition: hit.offset for tp, hit in found.items() if hit is not None}

    return since


def _by_partition(offsets: dict[TopicPartition, int]) -> Offsets:
    return {tp.partition: offset for tp, offset in offsets.items()}
