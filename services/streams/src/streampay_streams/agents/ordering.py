"""Every partition of a guarded topic is applied in offset order, with no record skipped.

Accounts remember, per source partition, the offset of the last input they applied, and treat
anything at or below it as a copy already applied (see ``Account.marks``). That is exactly-once
only if each partition reaches the accounts in order. Kafka keeps the order; Faust does not
quite, around a rebalance: records fetched while the tables recover are dropped, the partitions
are then sought back to their committed offsets, and records of the stale fetch can still come
through after the seek. Applied out of order, a later record would mark the dropped ones as
applied, and those commands would never be answered.

The guard keeps, per partition, the next offset to apply. The guarded topics (``commands``,
``transactions`` and the internal requests topic) have no holes in their offsets: nothing
compacts them and their producers are not transactional. So when a record arrives beyond the
next offset, the records in between were skipped by the consumer, not absent: the worker reads
them itself, straight from Kafka (:class:`HoleReader`), and applies them first. Faust's own "gap"
bookkeeping, which would count a jump in offsets as acknowledged although nobody applied those
records, is switched off for these topics; the worker reports the holes it filled itself, once
their records are applied, so that commits move on past them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from streampay_streams.adapters.patching import replace_method
from streampay_streams.adapters.records import RawRecord

log = structlog.get_logger(__name__)

Partition = tuple[str, int]
Hole = tuple[Partition, int, int]
"""A partition and the offsets ``[start, end)`` the consumer skipped in it."""


@dataclass
class OrderGuard:
    topics: frozenset[str]
    expected: dict[Partition, int] = field(default_factory=dict)

    def reset(self, starts: Mapping[Partition, int]) -> None:
        """After an assignment: where each owned partition resumes (its committed offset, or
        its first offset when nothing was committed yet)."""
        self.expected = {tp: start for tp, start in starts.items() if tp[0] in self.topics}

    def check(self, topic: str, partition: int, offset: int) -> Hole | None:
        """Take the record at ``offset`` as the next one applied; the hole before it, if any.

        A record below the next offset is a copy of one applied before, which the accounts'
        marks recognise; it moves nothing.
        """
        tp = (topic, partition)
        if topic not in self.topics:
            return None
        expected = self.expected.get(tp, offset)
        self.expected[tp] = max(expected, offset + 1)
        return (tp, expected, offset) if offset > expected else None

    def tail(self, topic: str, partition: int, end: int) -> Hole | None:
        """Take the partition as applied up to ``end`` (its end, as the consumer last saw it);
        the range before it not applied yet, if any: records skipped with none after them."""
        tp = (topic, partition)
        expected = self.expected.get(tp)
        if expected is None or end <= expected:
            return None
        self.expected[tp] = end
        return (tp, expected, end)


class HoleReader:
    """Reads skipped ranges of a partition straight from Kafka, outside the consumer group."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._consumer: AIOKafkaConsumer | None = None

    async def read(self, hole: Hole) -> list[RawRecord]:
        (topic, partition), start, end = hole
        consumer = await self._started()
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, start)
        found: list[RawRecord] = []
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=end - start)
            found.extend(RawRecord.of_kafka(r) for r in batch.get(tp, []) if r.offset < end)
            if not batch and await _first_offset(consumer, tp) >= end:
                break  # deleted by retention before it was applied: nothing left to read
        if len(found) != end - start:
            log.error(
                "records expired before they were applied",
                topic=topic,
                partition=partition,
                missing=end - start - len(found),
            )
        log.warning(
            "filled a hole the consumer skipped",
            topic=topic,
            partition=partition,
            start=start,
            end=end,
        )
        return found

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer


async def _first_offset(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int:
    return int((await consumer.beginning_offsets([tp]))[tp])


def guard_gap_acks(consumer_class: Any, topics: Collection[str]) -> Any:
    """Stop Faust from counting a jump in offsets of ``topics`` as acknowledged records; return
    the original bookkeeping, to report the holes the worker filled and applied itself."""

    def wrap(original: Any) -> Any:
        async def add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
            if tp.topic in topics:
                return
            await original(self, tp, offset_from, offset_to)

        return add_gap

    return replace_method(consumer_class, "_add_gap", wrap)
