"""Reading one topic for a person: its latest records, newest first, then live as they arrive.

A reader is one group-less :class:`~streampay_contracts.reading.TopicReader` of every
partition of the topic. It starts with a page:

- ``from=end`` (the default): the ``limit`` newest records, newest first. With a key or a
  header filter the newest ``SYSTEM_SCAN_RECORDS`` of each partition are searched for them (a
  filter that matches nothing never reads a whole topic).
- ``from=beginning``: every record from the start of each partition, oldest first, at the
  pace the client takes them.

then ``ready``, then each new record as it is written, until ``SYSTEM_STREAM_SECONDS`` pass.
A reader holds a reader slot (see :mod:`.limits`) until it ends, however it ends.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka import TopicPartition
from sse_starlette import ServerSentEvent

from streampay_contracts import codec, dumps, headers
from streampay_contracts.reading import BEGINNING, Bounds, TopicReader
from streampay_gateway.system.models import TopicRecord

VALUE_LIMIT = 16 * 1024
"""Values longer than this are cut (``truncated``): a page stays small whatever the topic."""
BATCH = 500
HEARTBEAT_S = 15.0
"""A comment is sent after this long without a record, so proxies keep a quiet stream open."""

Start = Literal["end", "beginning"]


def topic_record(record: Any) -> TopicRecord:
    """An aiokafka ``ConsumerRecord`` as a person reads it."""
    raw: bytes | None = record.value
    value, form, truncated = None, "text", False
    if raw is not None:
        truncated = len(raw) > VALUE_LIMIT
        try:
            if truncated:
                raise codec.MalformedMessage("cut short")
            value, form = codec.pretty(raw), "json"
        except ValueError:
            value = raw[:VALUE_LIMIT].decode("utf-8", errors="replace")
    return TopicRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp=record.timestamp,
        key=None if record.key is None else record.key.decode("utf-8", errors="replace"),
        headers=headers.from_kafka(record.headers),
        value=value,
        format=form,
        truncated=truncated,
    )


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Records whose key is ``key`` and one of whose headers has the value ``header``."""

    key: str | None = None
    header: str | None = None

    @property
    def active(self) -> bool:
        return self.key is not None or self.header is not None

    def matches(self, record: Any) -> bool:
        if self.key is not None and record.key != self.key.encode():
            return False
        if self.header is not None:
            wanted = self.header.encode()
            return any(value == wanted for _, value in record.headers or ())
        return True


def record_event(record: Any) -> ServerSentEvent:
    return ServerSentEvent(dumps(topic_record(record).model_dump()).decode(), event="record")


class RecordReader:
    """One person's reader of one topic; :meth:`open` it, then iterate :meth:`events`."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        wanted: RecordFilter,
        start: Start,
        limit: int,
        scan: int,
        lifetime_s: float,
    ) -> None:
        self._reader = TopicReader(
            bootstrap_servers,
            topic,
            patience_s=0,  # a missing topic is a 404 now, an unreachable broker a 503
            request_timeout_ms=5000,
            max_partition_fetch_bytes=256 * 1024,
        )
        self._wanted = wanted
        self._start = start
        self._limit = limit
        self._back = scan if wanted.active else limit
        self._lifetime_s = lifetime_s

    async def open(self) -> None:
        """Connect and place the reader; LookupError when the topic does not exist."""
        if self._start == "beginning":
            await self._reader.start(BEGINNING)
        else:
            await self._reader.start(self._newest_place)

    def _newest_place(self, bounds: Bounds) -> dict[TopicPartition, int]:
        return {tp: end - self._back for tp, end in bounds.end.items()}

    async def close(self) -> None:
        await self._reader.stop()

    async def events(self) -> AsyncGenerator[ServerSentEvent]:
        """The first page, ``ready``, then live records until the stream's time is up (then the
        browser reconnects from the end). The time is checked between records, never across a
        ``yield``: a deadline that fired while the client was being written to would cancel
        the response, not this reader."""
        deadline = time.monotonic() + self._lifetime_s
        try:
            if self._start == "end":
                async with asyncio.timeout(self._lifetime_s):
                    newest = await self._newest()
                for record in newest:
                    yield record_event(record)
            else:
                async for record in self._until_ends():
                    if time.monotonic() >= deadline:
                        return
                    yield record_event(record)
            yield ServerSentEvent("{}", event="ready")
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                for record in await self._reader.fetch(1000, BATCH):
                    if self._wanted.matches(record):
                        quiet_since = time.monotonic()
                        yield record_event(record)
                if time.monotonic() - quiet_since >= HEARTBEAT_S:
                    quiet_since = time.monotonic()
                    yield ServerSentEvent(comment="heartbeat")
        except TimeoutError:
            return  # the first page took the stream's whole time
        finally:
            await self._reader.stop()

    async def _newest(self) -> list[Any]:
        """The ``limit`` newest matching records up to the ends, newest first."""
        kept: dict[int, deque[Any]] = {}
        async for record in self._until_ends():
            kept.setdefault(record.partition, deque(maxlen=self._limit)).append(record)
        every: Iterable[Any] = (r for records in kept.values() for r in records)
        return heapq.nlargest(self._limit, every, key=lambda r: (r.timestamp, r.offset))

    async def _until_ends(self) -> AsyncIterator[Any]:
        """Matching records from the reader's place up to the ends it found when opened."""
        async for batch in self._reader.to_end():
            for record in batch:
                if self._wanted.matches(record):
                    yield record
