"""Reading a bounded range of a log topic back from Kafka, for a client resuming far behind.

Only positions older than a reader's in-memory window come here. A short-lived consumer is
assigned exactly the partitions concerned, seeks to the client's offsets, reads up to where the
window starts and is closed again; the number running at once is bounded per process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel

from streampay_gateway.views.records import Record, from_kafka

Ranges = dict[int, tuple[int, int]]
"""Partition → ``[start, stop)`` offsets."""

RangeReader = Callable[[str, type[BaseModel], Ranges], AsyncIterator[Record]]
"""Reads the records of a topic within ranges, in offset order per partition."""


class KafkaRangeReader:
    """Reads ranges with a consumer of their own; at most ``concurrency`` at a time."""

    def __init__(self, bootstrap_servers: str, concurrency: int, stall_seconds: float) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._slots = asyncio.Semaphore(concurrency)
        self._stall_seconds = stall_seconds

    async def __call__(
        self, topic: str, model: type[BaseModel], ranges: Ranges
    ) -> AsyncIterator[Record]:
        pending = {TopicPartition(topic, p): r for p, r in ranges.items() if r[0] < r[1]}
        if not pending:
            return
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        async with self._slots, consumer:
            consumer.assign(list(pending))
            for tp, (start, _) in pending.items():
                consumer.seek(tp, start)
            async for record in self._read(consumer, model, pending):
                yield record

    async def _read(
        self,
        consumer: AIOKafkaConsumer,
        model: type[BaseModel],
        pending: dict[TopicPartition, tuple[int, int]],
    ) -> AsyncIterator[Record]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._stall_seconds
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=500)
            for tp, messages in batches.items():
                for message in messages:
                    record = from_kafka(message, model)
                    if record is not None and message.offset < pending[tp][1]:
                        yield record
            if batches:
                deadline = loop.time() + self._stall_seconds
            elif loop.time() > deadline:
                raise TimeoutError("the broker stopped answering while a view was replayed")
            for tp in list(pending):
                if await consumer.position(tp) >= pending[tp][1]:
                    del pending[tp]
