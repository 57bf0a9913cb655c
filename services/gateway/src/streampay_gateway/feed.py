"""The process's one Kafka consumer: every topic the gateway reads, in one fetch loop.

The gateway reads ``replies`` (into the reply index) and every view topic (into tables and
logs). Each is a :class:`Source`; the feed reads all their partitions with one
:class:`~streampay_contracts.reading.TopicReader` (no consumer group: the gateway keeps no
committed offsets and rebuilds everything from the topics at every start), starts each
partition where its source says, and hands every record to its source, in partition order. One
consumer means one set of fetch requests to the broker per round for all topics, instead of one
per topic.

The feed never gives up: while the broker is unreachable the reader retries with back-off and
jitter; a reader that keeps failing is replaced by a new one that resumes from the positions
the sources had reached. A topic that does not exist yet (the streams worker creates some of
them) is read once it does, and the others meanwhile. Each source reports whether it has caught
up with what its topic held when the gateway first connected, which readiness and the command
path wait for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import suppress
from typing import Any

import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from streampay_contracts import reading
from streampay_contracts.reading import Bounds, TopicReader

log = structlog.get_logger(__name__)

Offsets = dict[int, int]
"""Partition → offset."""
Since = Callable[[int], Awaitable[Offsets]]
"""The first offset of each partition written at or after a moment (epoch ms), else its end."""

LOOK_FOR_TOPICS_S = 1.0
"""How often topics not created yet are looked for."""

RENEW_AFTER_S = 30.0
"""How long a reader retries a failing start or fetch before a new reader replaces it."""

FETCH_RECORDS = 200
"""Records handed out per round before the streams get a turn: well under a client's queue
(``VIEWS_CLIENT_QUEUE``), so a burst on a topic cannot overflow a client that keeps up."""

FETCH_WAIT_MS = 500
"""How long one round waits for records when there are none. How soon the broker answers a
fetch is its own setting (``FEED_FETCH_MIN_BYTES``, ``FEED_FETCH_WAIT_MS``)."""


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

    async def first_offsets(self, beginning: Offsets, end: Offsets, since: Since) -> Offsets:
        """Where reading starts in each partition, knowing the first and end offsets and the
        first offset written since a moment; the whole topic unless a subclass says less."""
        return dict(beginning)

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
    """One reader feeding every :class:`Source` of the process."""

    def __init__(
        self, bootstrap_servers: str, sources: Iterable[Source] = (), **consumer_options: Any
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._options = consumer_options
        self._sources: dict[str, Source] = {}
        self._reader: TopicReader | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
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
        reader = self._reader
        if reader is None or reader.consumer is None:
            raise KafkaConnectionError("the gateway is not connected to the broker yet")
        return _by_partition(await reader.end_offsets(topic))

    async def _supervise(self) -> None:
        while not self._stopping:
            reader = TopicReader(
                self._bootstrap_servers,
                *self._sources,
                patience_s=RENEW_AFTER_S,
                missing_ok=True,
                auto_offset_reset="earliest",
                **self._options,
            )
            try:
                await reader.start(self._start_offsets)
                self._reader = reader
                self._placed(reader)
                await self._follow(reader)
            except reading.TRANSIENT as error:
                log.warning("reading the topics failed; starting again", error=str(error))
            finally:
                self._reader = None
                await reader.stop()

    async def _start_offsets(self, bounds: Bounds) -> dict[TopicPartition, int]:
        """Each partition at its source's position (after a new start, where it got to), else
        where the source says reading starts."""
        chosen: dict[TopicPartition, int] = {}
        for topic, source in self._sources.items():
            partitions = [tp for tp in bounds.end if tp.topic == topic]
            if not partitions:
                continue
            if not source.positions:
                source.positions = await source.first_offsets(
                    _by_partition(_only(bounds.beginning, topic)),
                    _by_partition(_only(bounds.end, topic)),
                    _since(bounds, topic),
                )
            chosen |= {tp: source.positions[tp.partition] for tp in partitions}
        return chosen

    def _placed(self, reader: TopicReader) -> None:
        """Each source newly read aims to catch up with its topic's end as the reader found it."""
        for topic, source in self._sources.items():
            ends = _by_partition(_only(reader.ends, topic))
            if ends and not source.caught_up() and not source._targets:
                source._targets = ends
            source.check_caught_up()

    async def _follow(self, reader: TopicReader) -> None:
        sources = self._sources
        looked = time.monotonic()
        while True:
            records = await reader.fetch(FETCH_WAIT_MS, FETCH_RECORDS)
            for record in records:
                source = sources[record.topic]
                try:
                    source.take(record)
                except Exception:  # one unreadable record must not stop the others
                    log.exception("record skipped", topic=record.topic, offset=record.offset)
                    source.positions[record.partition] = record.offset + 1
            self._advance(reader)
            if reader.missing and time.monotonic() - looked >= LOOK_FOR_TOPICS_S:
                looked = time.monotonic()
                if await reader.assign_created(self._start_offsets):
                    self._placed(reader)
            await asyncio.sleep(0)  # let every stream take what it was just given

    def _advance(self, reader: TopicReader) -> None:
        # The reader's positions also move over offsets that hold no record (transaction
        # markers, compacted gaps), which the end offsets seen at start may point past.
        for tp, position in reader.positions.items():
            positions = self._sources[tp.topic].positions
            positions[tp.partition] = max(positions.get(tp.partition, 0), position)
        lags: dict[str, Offsets] = {topic: {} for topic in self._sources}
        for tp, lag in reader.lag().items():
            lags[tp.topic][tp.partition] = lag
        for topic, source in self._sources.items():
            source.lag(lags[topic])
            source.check_caught_up()


def _only(offsets: Mapping[TopicPartition, int], topic: str) -> dict[TopicPartition, int]:
    return {tp: offset for tp, offset in offsets.items() if tp.topic == topic}


def _since(bounds: Bounds, topic: str) -> Since:
    async def since(epoch_ms: int) -> Offsets:
        return _by_partition(_only(await bounds.since(epoch_ms), topic))

    return since


def _by_partition(offsets: Mapping[TopicPartition, int]) -> Offsets:
    return {tp.partition: offset for tp, offset in offsets.items()}
