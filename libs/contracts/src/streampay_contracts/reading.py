"""Reading topics without a consumer group: every partition assigned, from a chosen start, up to
the end the topics had when reading started, and on for a reader that follows them.

Everything that rebuilds its state from a topic reads it this way: the worker's user directory,
the audit and the replay of the event log, and the gateway's followers of replies and views. No
offsets are committed: the state is rebuilt from the topic every time. A reader is *caught up*
once it has read everything before the end offsets taken at start (:attr:`TopicReader.ends`);
it can also be asked to catch up with the end as it is now (:meth:`TopicReader.end_offsets`).

Where reading starts (:data:`Start`): ``BEGINNING``, ``END``, the first record written at or
after a moment (:class:`At`), given offsets (clamped to what the partition still holds), or a
function of the partitions' :class:`Bounds` (sync or async).

A reader made with ``missing_ok`` reads the topics that exist and leaves the others in
:attr:`TopicReader.missing` until :meth:`TopicReader.assign_created` finds them created.

A broker that does not answer yet, a topic whose metadata has not arrived or a fetch that fails
is retried with exponential back-off and random jitter (tenacity), so that many readers starting
together do not retry in step; ``patience_s`` bounds how long (``None``: until cancelled).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

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

from streampay_contracts.kafka import partitions_of

T = TypeVar("T")
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


@dataclass(frozen=True)
class Bounds:
    """What a :data:`Start` function may know of the partitions it places."""

    beginning: Offsets
    """The first offset each partition still holds."""
    end: Offsets
    """The end of each partition now."""
    since: Callable[[int], Awaitable[Offsets]]
    """The first offset of each partition written at or after a moment (epoch ms), else its
    end."""


Start = (
    Edge
    | At
    | Mapping[TopicPartition, int]
    | Callable[[Bounds], Mapping[TopicPartition, int] | Awaitable[Mapping[TopicPartition, int]]]
)
"""Where a reader starts in each partition; a function gets the partitions' :class:`Bounds`."""

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
        missing_ok: bool = False,
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
        self.missing: list[str] = []
        """Topics not created yet (``missing_ok`` only): see :meth:`assign_created`."""
        self._missing_ok = missing_ok
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
        self.partitions, self.ends, self.positions, self.missing = [], {}, {}, []
        await self._place(consumer, await self._existing(consumer, self.topics), start)

    async def assign_created(self, start: Start = BEGINNING) -> bool:
        """Read the :attr:`missing` topics that exist now too, from ``start``; whether any
        did. The others stay missing."""
        consumer = self._started()
        created = await self._existing(consumer, self.missing)
        if created:
            await self._place(consumer, created, start)
        return bool(created)

    async def _existing(
        self, consumer: AIOKafkaConsumer, topics: Iterable[str]
    ) -> list[TopicPartition]:
        """The partitions of those of ``topics`` that exist (one metadata read); the others
        become :attr:`missing`, or raise ``LookupError`` without ``missing_ok``."""
        topics = list(topics)
        found = await partitions_of(consumer, topics)
        missing = [topic for topic in topics if topic not in found]
        if missing and not self._missing_ok:
            raise LookupError(f"topics {missing} do not exist; create the topics first")
        if missing and missing != self.missing:
            log.warning("topics missing; reading the others", topics=missing)
        self.missing = missing
        return [tp for partitions in found.values() for tp in partitions]

    async def _place(
        self, consumer: AIOKafkaConsumer, added: list[TopicPartition], start: Start
    ) -> None:
        """Assign ``added`` besides the partitions already read, at ``start``."""
        consumer.assign([*self.partitions, *added])
        firsts = await consumer.beginning_offsets(added) if added else {}
        ends = dict(await consumer.end_offsets(added)) if added else {}
        offsets = await self._offsets(consumer, start, firsts, ends)
        for tp in self.partitions:
            consumer.seek(tp, self.positions[tp])  # assign() forgets the positions it had
        for tp in added:
            consumer.seek(tp, offsets[tp])
        self.partitions += added
        self.ends |= ends
        self.positions |= offsets

    async def _offsets(
        self, consumer: AIOKafkaConsumer, start: Start, firsts: Offsets, ends: Offsets
    ) -> Offsets:
        async def since(epoch_ms: int) -> Offsets:
            found = await consumer.offsets_for_times(dict.fromkeys(ends, epoch_ms))
            return {tp: ends[tp] if hit is None else hit.offset for tp, hit in found.items()}

        if isinstance(start, Edge):
            return dict(firsts if start is BEGINNING else ends)
        if isinstance(start, At):
            return await since(start.epoch_ms)
        chosen = start(Bounds(firsts, ends, since)) if callable(start) else start
        if inspect.isawaitable(chosen):
            chosen = await chosen
        return {tp: min(max(chosen.get(tp, firsts[tp]), firsts[tp]), ends[tp]) for tp in ends}

    # -- reading -------------------------------------------------------------------------------

    async def fetch(self, timeout_ms: int = 500, max_records: int | None = None) -> list[Record]:
        """The records that arrive within ``timeout_ms``, in order within each partition; the
        positions then include offsets that hold no record (transaction markers, compacted
        gaps), which the end offsets may point past."""
        consumer = self._started()
        batches = await self._call(
            "fetch", lambda: consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        )
        records = [record for batch in batches.values() for record in batch]
        for tp in self.partitions:
            self.positions[tp] = max(self.positions[tp], await consumer.position(tp))
        return records

    async def to_end(self, timeout_ms: int = 500) -> AsyncIterator[list[Record]]:
        """Batches of records up to :attr:`ends`, then done. Records at or past the end are
        left for the next :meth:`fetch` (the reader goes back to the first of them)."""
        consumer = self._started()
        try:
            while not self.reached():
                batch: list[Record] = []
                later: Offsets = {}
                for record in await self.fetch(timeout_ms):
                    tp = TopicPartition(record.topic, record.partition)
                    if record.offset < self.ends[tp]:
                        batch.append(record)
                    else:
                        later.setdefault(tp, record.offset)
                for tp, offset in later.items():
                    consumer.seek(tp, offset)
                    self.positions[tp] = offset
                # a partition read to its end waits while the others catch up
                consumer.pause(*(tp for tp in self.partitions if self.reached({tp: self.ends[tp]})))
                if batch:
                    yield batch
        finally:
            if self.consumer is not None:
                self.consumer.resume(*self.partitions)

    async def follow(self, timeout_ms: int = 500) -> AsyncIterator[Record]:
        """Every record from the start on, as it arrives, until cancelled."""
        while True:
            for record in await self.fetch(timeout_ms):
                yield record

    def reached(self, target: Mapping[TopicPartition, int] | None = None) -> bool:
        """Whether everything before ``target`` (the end offsets taken at start) is read."""
        target = self.ends if target is None else target
        return all(self.positions.get(tp, 0) >= end for tp, end in target.items())

    def finish(self, *partitions: TopicPartition) -> None:
        """Read no further in ``partitions``: they count as read to their end (see
        :meth:`to_end`)."""
        for tp in partitions:
            self.ends[tp] = min(self.ends[tp], self.positions[tp])

    async def end_offsets(self, *topics: str) -> Offsets:
        """The end of every partition (of ``topics`` only, when given), asked of the broker
        now."""
        consumer = self._started()
        asked = [tp for tp in self.partitions if not topics or tp.topic in topics]
        if not asked:
            return {}
        return dict(await self._call("end offsets", lambda: consumer.end_offsets(asked)))

    def lag(self) -> Offsets:
        """Records each partition holds beyond this reader's position, as last fetched."""
        consumer = self._started()
        lags: Offsets = {}
        for tp in self.partitions:
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lags[tp] = max(highwater - self.positions[tp], 0)
        return lags

    def _started(self) -> AIOKafkaConsumer:
        if self.consumer is None:
            raise KafkaError(f"the reader of {', '.join(self.topics)} has not started")
        return self.consumer

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """``call()``; after a transient failure, again with back-off (see :meth:`_retrying`).

        The first attempt is made without a retry controller: a reader may fetch a hundred
        times a second, and each controller is a cluster of objects in reference cycles (a
        thread-local, a lock and a condition, a future) left to the garbage collector."""
        try:
            return await call()
        except TRANSIENT:
            pass  # tried again at once, then with back-off
        async for attempt in self._retrying(what):
            with attempt:
                result = await call()
        return result

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
