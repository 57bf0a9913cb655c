"""A consumer that follows every partition of one topic, from a moment in the past, forever.

Used for ``replies`` and ``commands``, whose records the gateway indexes raw (value bytes,
headers, timestamps) rather than as one model per topic. No consumer group: the gateway keeps
no committed offsets and rebuilds its indexes from the topic at every start, so a restarted or
additional instance knows what every other one produced and received.

The follower never gives up: while the broker is unreachable it retries with a back-off, keeps
the positions it had reached and resumes from them. It reports whether it has caught up with
what the topic held when it (re)connected, which readiness and the command path wait for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streampay_contracts.kafka import topic_partitions
from streampay_gateway.http.metrics import FOLLOWER_LAG

log = structlog.get_logger(__name__)

Handler = Callable[[Any], None]
"""Called with each aiokafka ``ConsumerRecord``, in partition order."""

RETRY_S = 1.0


class TopicFollower:
    """Feeds ``handler`` with every record of ``topic`` younger than ``window_ms``."""

    def __init__(self, bootstrap_servers: str, topic: str, window_ms: int, handler: Handler):
        self.topic = topic
        self._bootstrap_servers = bootstrap_servers
        self._window_ms = window_ms
        self._handler = handler
        self._positions: dict[int, int] = {}
        self._targets: dict[int, int] = {}
        self._caught_up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def caught_up(self) -> bool:
        return self._caught_up.is_set()

    async def wait_caught_up(self, patience_s: float) -> bool:
        if self.caught_up:
            return True  # the usual case, on every command: no timer, no task
        with suppress(TimeoutError):
            await asyncio.wait_for(self._caught_up.wait(), patience_s)
        return self.caught_up

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"follow-{self.topic}")

    async def stop(self) -> None:
        self._stopping = True  # aiokafka can swallow a cancellation while it connects
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _supervise(self) -> None:
        while not self._stopping:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            try:
                await consumer.start()
                await self._assign(consumer)
                await self._follow(consumer)
            except (KafkaError, OSError, LookupError) as error:
                log.warning("topic unavailable; retrying", topic=self.topic, error=str(error))
            finally:
                await consumer.stop()
            await asyncio.sleep(RETRY_S)

    async def _assign(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await topic_partitions(consumer, self.topic)
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        self._targets = {tp.partition: offset for tp, offset in ends.items()}
        starts = await self._start_offsets(consumer, partitions)
        for tp in partitions:
            # After a reconnection, carry on from where this follower had got to.
            position = self._positions.setdefault(tp.partition, starts[tp])
            consumer.seek(tp, position)
        self._check_caught_up()

    async def _start_offsets(
        self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """The first offset of each partition written within the window, else its end."""
        since = int(time.time() * 1000) - self._window_ms
        found = await consumer.offsets_for_times({tp: since for tp in partitions})
        ends = {tp: self._targets[tp.partition] for tp in partitions}
        return {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=1000)
            for tp, records in batches.items():
                for record in records:
                    self._apply(record)
                    self._positions[tp.partition] = record.offset + 1
            await self._advance(consumer)

    def _apply(self, record: Any) -> None:
        try:
            self._handler(record)
        except Exception:  # one unreadable record must not stop the index
            log.exception("record skipped", topic=self.topic, offset=record.offset)

    async def _advance(self, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            position = await consumer.position(tp)
            self._positions[tp.partition] = position
            highwater = consumer.highwater(tp)
            lag += max(0, (highwater or position) - position)
        FOLLOWER_LAG.labels(self.topic).set(lag)
        self._check_caught_up()

    def _check_caught_up(self) -> None:
        if all(self._positions.get(p, 0) >= end for p, end in self._targets.items()):
            self._caught_up.set()
