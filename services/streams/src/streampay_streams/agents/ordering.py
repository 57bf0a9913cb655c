"""Every partition of a guarded topic is applied in offset order, with no record skipped.

Accounts remember, per source partition, the offset of the last input they applied, and treat
anything at or below it as a copy already applied (see ``Account.marks``). That is exactly-once
only if each partition reaches the worker in order. Kafka guarantees the order; Faust does not
quite keep it around a rebalance: records fetched while the tables recover are dropped, the
partitions are then sought back to their committed offsets, and records of that stale fetch can
still come through after the seek. Applied out of order, a later record would mark the dropped
ones as applied, and those commands would never be answered.

The guard keeps, per partition, the next offset to apply. The guarded topics (``commands``,
``transactions`` and the internal requests topic) have no holes in their offsets: nothing
compacts them and their producers are not transactional. So a record beyond the next offset
can only be stale: it is held back (neither applied nor acknowledged) and the partition is sought
back to the next offset, from where the records come again in order. A record below it is a copy
that the accounts' marks recognise. Faust's own "gap" bookkeeping, which counts a jump in offsets
as acknowledged, is switched off for these topics: a jump there is never a legitimate hole.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger(__name__)

Partition = tuple[str, int]
RESEEK_AFTER_S = 1.0
"""How long to wait for a requested seek to take effect before asking again."""


@dataclass
class OrderGuard:
    topics: frozenset[str]
    expected: dict[Partition, int] = field(default_factory=dict)
    _sought: dict[Partition, tuple[int, float]] = field(default_factory=dict)

    def reset(self, starts: Mapping[Partition, int]) -> None:
        """After an assignment: where each owned partition resumes (its committed offset, or
        its first offset when nothing was committed yet)."""
        self.expected = {tp: start for tp, start in starts.items() if tp[0] in self.topics}
        self._sought.clear()

    def admit(self, topic: str, partition: int, offset: int) -> bool:
        """Whether the record may be applied now; a False one is held back and comes again."""
        tp = (topic, partition)
        if topic not in self.topics:
            return True
        expected = self.expected.get(tp)
        if expected is None or offset == expected:
            self.expected[tp] = offset + 1
            self._sought.pop(tp, None)
            return True
        return offset < expected  # a copy of an applied record; the marks make it harmless

    def seeks(self, held: Iterable[Partition]) -> dict[Partition, int]:
        """The partitions to seek back to their next offset, at most once a second each."""
        now = time.monotonic()
        wanted: dict[Partition, int] = {}
        for tp in set(held):
            target = self.expected[tp]
            last = self._sought.get(tp)
            if last is None or last[0] != target or now - last[1] > RESEEK_AFTER_S:
                self._sought[tp] = (target, now)
                wanted[tp] = target
        return wanted

    def skip_lost(self, tp: Partition, first_available: int) -> None:
        """Records deleted by retention before they were applied cannot come again."""
        if first_available > self.expected.get(tp, first_available):
            log.error(
                "records expired before they were applied",
                topic=tp[0],
                partition=tp[1],
                missing_from=self.expected[tp],
                missing_to=first_available - 1,
            )
            self.expected[tp] = first_available


def without_gap_acks(consumer_class: Any, topics: Collection[str]) -> None:
    """Stop Faust from treating a jump in offsets of ``topics`` as acknowledged records."""
    original = consumer_class._add_gap
    if getattr(original, "_streampay_guarded", False):
        return

    async def add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
        if tp.topic in topics:
            return
        await original(self, tp, offset_from, offset_to)

    add_gap._streampay_guarded = True  # type: ignore[attr-defined]
    consumer_class._add_gap = add_gap
