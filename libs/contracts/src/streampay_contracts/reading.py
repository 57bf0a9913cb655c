"""Reading topics without a consumer group: every partition assigned, from a chosen start, up to
the end the topics had when reading started, and on for a reader that follows them.

Everything that rebuilds its state from a topic reads it this way: the worker's user directory,
the audit and the replay of the event log, and the gateway's followers of replies and views. No
offsets are committed: the state is rebuilt from the topic every time. A reader is *caught up*
once it has read everything before the end offsets taken at start (:attr:`TopicReader.ends`);
it can also be asked to catch up with the end as it is now (:meth:`TopicReader.end_offsets`).

Where reading starts (:data:`Start`): ``BEGINNING``, ``END``, the first record written at or
after a moment (:class:`At`), given offsets (clamped to what the partition still holds), or a
function of each partition's first and end offsets.

A broker that does not answer yet, a topic whose metadata has not arrived or a fetch that fails
is retried with exponential back-off and random jitter (tenacity), so that many readers starting
together do not retry in step; ``patience_s`` bounds how long (``None``: until cancelled).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any, Protocol, Self

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_delay,
    stop_never,
    wait_random_exponential,
)

from streampay_contracts.kafka import topic_partitions

log = structlog.get_logger(__name__)

Offsets = dict[TopicPartition, int]


class Record(Protocol):
    """What a reader hands out of each record (an aiokafka ``ConsumerRecord``)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Any


class Edge(Enum):
    BEGINNING = "beginning"
    END = "end"


BEGINNING = Edge.BEGINNING
"""Every record each partition still holds."""
END = Edge.END
"""Only records written from now on."""


@dataclass(frozen=True)
class At:
    """The first record of each partition written at or after ``epoch_ms`` (its end when none
    is)."""

    epoch_ms: int


Start = (
    Edge
    | At
    | Mapping[TopicPartition, int]
    | Callable[[Offsets, Offsets], Mapping[TopicPartition, int]]
)
"""Where a reader starts in each partition; a function gets the first and end offsets."""

TRANSIENT = (KafkaError, OSError, LookupError)
"""What a retry may cure: the broker not answering yet, a topic not in the metadata yet."""


class TopicReader:
    """A consumer of every partition of ``topics``, assigned without a group."""

    def __init__(
        self,
        bootstrap_servers: str,
        *topics: str,
        patience_s: float | None = 60.0,
        max_wait_s: float = 2.0,
        **consumer_options: Any,
    ) -> None:
        if not topics:
            raise ValueError("a reader reads at least one topic")
        self.topics = topics
        self.consumer: AIOKafkaConsumer | None = None
        self.partitions: list[TopicPartition] = []
        self.ends: Offsets = {}
        """The end of every partition when reading started: caught up once read up to here."""
        self.positions: Offsets = {}
        """The next offset of every partition: everything before it has been read."""
        self._bootstrap_servers = bootstrap_servers
        self._options = {"enable_auto_commit": False, **consumer_options}
        self._stop = stop_never if patience_s is None else stop_after_delay(patience_s)
        self._wait = wait_random_exponential(multiplier=0.1, max=max_wait_s)

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self, start: Start = BEGINNING) -> None:
        """Connect, assign every partition, take the end offsets and seek to ``start``."""
        try:
            async for attempt in self._retrying("start"):
                with attempt:
                    await self._start(start)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            await consumer.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _start(self, start: Start) -> None:
        await self.stop()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers, group_id=None, **self._options
        )
        self.consumer = consumer
        await consumer.start()
        partitions = [tp for topic in self.topics for tp in await topic_partitions(consumer, topic)]
        consumer.assign(partitions)
        firsts = await consumer.beginning_offsets(partitions)
        self.ends = dict(await consumer.end_offsets(partitions))
        offsets = await self._offsets(consumer, start, firsts, self.ends)
        for tp in partitions:
            consumer.seek(tp, offsets[tp])
        self.partitions = partitions
        self.positions = dict(offsets)

    async def _offsets(
        self, consumer: AIOKafkaConsumer, start: Start, firsts: Offsets, ends: Offsets
    ) -> Offsets:
        if isinstance(start, Edge):
            return dict(firsts if start is BEGINNING else ends)
        if isinstance(start, At):
            found = await consumer.offsets_for_times(dict.fromkeys(ends, start.epoch_ms))
            return {tp: ends[tp] if hit is None else hit.offset for tp, hit in found.items()}
        chosen = start(firsts, ends) if callable(start) else start
        return {tp: min(max(chosen.get(tp, firsts[tp]), firsts[tp]), ends[tp]) for tp in ends}

    # -- reading -------------------------------------------------------------------------------

    async def fetch(self, timeout_ms: int = 500, max_records: int | None = None) -> list[Record]:
        """The records that arrive within ``timeout_ms``, in order within each partition; the
        positions then include offsets that hold no record (transaction markers, compacted
        gaps), which the end offsets may point past."""
        consumer = self._started()
        async for attempt in self._retrying("fetch"):
            with attempt:
                batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        records = [record for batch in batches.values() for record in batch]
        for tp in self.partitions:
            self.positions[tp] = max(self.positions[tp], await consumer.position(tp))
        return records

    async def to_end(self, timeout_ms: int = 500) -> AsyncIterator[list[Record]]:
        """Batches of records up to :attr:`ends`, then done; none at or past the end."""
        while not self.reached():
            batch = [r for r in await self.fetch(timeout_ms) if r.offset < self._end_of(r)]
            if batch:
                yield batch

    async def follow(self, timeout_ms: int = 500) -> AsyncIterator[Record]:
        """Every record from the start on, as it arrives, until cancelled."""
        while True:
            for record in await self.fetch(timeout_ms):
                yield record

    def reached(self, target: Mapping[TopicPartition, int] | None = None) -> bool:
        """Whether everything before ``target`` (the end offsets taken at start) is read."""
        target = self.ends if target is None else target
        return all(self.positions.get(tp, 0) >= end for tp, end in target.items())

    async def end_offsets(self) -> Offsets:
        """The end of every partition, asked of the broker now."""
        consumer = self._started()
        async for attempt in self._retrying("end offsets"):
            with attempt:
                ends: Offsets = dict(await consumer.end_offsets(self.partitions))
        return ends

    def lag(self) -> Offsets:
        """Records each partition holds beyond this reader's position, as last fetched."""
        consumer = self._started()
        lags: Offsets = {}
        for tp in self.partitions:
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lags[tp] = max(highwater - self.positions[tp], 0)
        return lags

    def _end_of(self, record: Record) -> int:
        return self.ends[TopicPartition(record.topic, record.partition)]

    def _started(self) -> AIOKafkaConsumer:
        if self.consumer is None:
            raise KafkaError(f"the reader of {', '.join(self.topics)} has not started")
        return self.consumer

    def _retrying(self, what: str) -> AsyncRetrying:
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning("topic reader retrying", topics=self.topics, step=what, error=str(error))

        return AsyncRetrying(
            retry=retry_if_exception_type(TRANSIENT),
            wait=self._wait,
            stop=self._stop,
            before_sleep=before_sleep,
            reraise=True,
        )


async def read_to_end(
    bootstrap_servers: str, *topics: str, start: Start = BEGINNING, patience_s: float = 60.0
) -> tuple[list[Record], Offsets]:
    """Every record of ``topics`` from ``start`` up to the end they have now, in order within
    each partition and partition after partition; and that end."""
    async with TopicReader(bootstrap_servers, *topics, patience_s=patience_s) as reader:
        await reader.start(start)
        records: list[Record] = []
        async for batch in reader.to_end():
            records += batch
        records.sort(key=lambda r: (r.topic, r.partition, r.offset))
        return records, reader.ends


def keyed(records: Iterable[Record]) -> list[tuple[str, bytes | None]]:
    """Each record as its key (text) and value (None for a tombstone)."""
    return [((r.key or b"").decode(errors="replace"), r.value) for r in records]
