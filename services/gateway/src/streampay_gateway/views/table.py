"""The latest value of every key of a compacted topic, kept in memory and kept current."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar, cast

from pydantic import BaseModel

from streampay_gateway.views import metrics
from streampay_gateway.views.positions import Offsets
from streampay_gateway.views.reader import TopicReader
from streampay_gateway.views.records import Record

ModelT = TypeVar("ModelT", bound=BaseModel)


class TopicTable(TopicReader, Generic[ModelT]):
    """A compacted topic read from its beginning: one record per key, with its position.

    Deleted keys are kept as tombstone records (with the last value's model), so that a client
    resuming from an older position is told about deletions it missed.

    Reads for JSON routes: :meth:`get` / :meth:`value` for one key, :meth:`values` for all live
    values, :meth:`records` with their partitions and offsets (for entity tags), and
    :meth:`wait_for_change` to long-poll.
    """

    def __init__(self, topic: str, model: type[ModelT]) -> None:
        super().__init__(topic, model)
        self._latest: dict[str, Record] = {}
        self._changed = asyncio.Event()

    def store(self, record: Record) -> Record:
        key = record.key
        if key is None:
            return record
        record = record.after(self._latest.get(key))
        self._latest[key] = record
        metrics.CACHED_RECORDS.labels(self.topic).set(len(self._latest))
        self._changed.set()
        self._changed = asyncio.Event()
        return record

    def get(self, key: str) -> Record | None:
        """The live record of ``key``; None when it was never written or has been deleted."""
        record = self._latest.get(key)
        return None if record is None or record.is_tombstone else record

    def value(self, key: str) -> ModelT | None:
        record = self.get(key)
        return None if record is None else cast(ModelT, record.model)

    def values(self) -> list[ModelT]:
        """Every live value, in no particular order."""
        found = (r.model for r in self._latest.values() if not r.is_tombstone)
        return [cast(ModelT, model) for model in found if model is not None]

    def records(self, since: Offsets | None = None) -> list[Record]:
        """Latest records in partition and offset order, tombstones included.

        With ``since``, only those at or after its offsets: what changed after that position.
        """
        found = [
            r
            for r in self._latest.values()
            if since is None or r.offset >= since.get(r.partition, 0)
        ]
        return sorted(found, key=lambda r: (r.partition, r.offset))

    async def wait_for_change(self, seconds: float) -> bool:
        """Wait until any key changes; False when ``seconds`` pass first."""
        try:
            await asyncio.wait_for(self._changed.wait(), seconds)
        except TimeoutError:
            return False
        return True
