"""After a rebalance, before the streams resume: put every partition back where it must start,
and publish what the previous owner of a partition stored but maybe did not.

Both run when Faust has recovered the tables and before it resumes the streams, for every
partition this worker now owns.

- Faust fetches from newly assigned partitions while it recovers the tables, drops what it
  fetched, and then seeks each partition back to its committed offset, but only when that offset
  is above 0. A partition nothing was ever committed for would resume after the dropped records,
  and since accounts apply the records of a partition in order, a later record would mark the
  dropped ones as applied. Such partitions are sought back to their beginning here.
- Outbox entries above the partition's mark were stored but not known to be published; they are
  published again, in the order they were decided, and the mark is raised past them. Readers
  recognise the copies by their ids (and the accounts by their marks).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import structlog

from streampay_streams.adapters.publisher import Publisher
from streampay_streams.adapters.store import AccountStore, pending

log = structlog.get_logger(__name__)


async def republish(store: AccountStore, publisher: Publisher, partitions: set[int]) -> int:
    """Re-publish the unconfirmed outbox entries of ``partitions``; how many records."""
    total = 0
    for partition in sorted(partitions):
        confirmed = store.confirmed(partition)
        entries = pending(store.in_partition(partition), confirmed)
        records = [record.emit() for entry in entries for record in entry.records]
        await publisher.publish(records)
        top = max([confirmed, *(entry.tag for entry in entries)])
        if top > confirmed:
            await publisher.publish([store.confirm(partition, top)])
        total += len(records)
    if total:
        log.info("re-published unconfirmed records", records=total, partitions=sorted(partitions))
    return total


async def rewind_unstarted(consumer: Any, topics: Collection[str]) -> dict[tuple[str, int], int]:
    """Seek the partitions of ``topics`` that have no committed offset above 0 to their start;
    return where every owned partition of ``topics`` resumes."""
    committed = await consumer.seek_to_committed()
    owned = {
        tp: offset if offset and offset > 0 else None
        for tp, offset in committed.items()
        if tp.topic in topics
    }
    unstarted = [tp for tp, offset in owned.items() if offset is None]
    firsts = await consumer.earliest_offsets(*unstarted) if unstarted else {}
    if unstarted:
        await consumer.seek_wait({tp: 0 for tp in unstarted})
    return {
        (tp.topic, tp.partition): firsts.get(tp, 0) if offset is None else offset
        for tp, offset in owned.items()
    }
