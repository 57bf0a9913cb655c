"""The recent end of a log topic, kept in memory; older positions are read back from Kafka."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from pydantic import BaseModel

from streampay_gateway.views import metrics
from streampay_gateway.views.positions import Offsets
from streampay_gateway.views.reader import TopicReader
from streampay_gateway.views.records import Record


@dataclass(frozen=True, slots=True)
class Replay:
    """What a client resuming at some position must be sent, as of one instant.

    ``backfill``: per partition, the ``[start, stop)`` offsets older than the window, to be read
    from Kafka; ``window``: the window as it is, in order (a copy: taking it costs no more than
    copying references, and the stream skips the records before the position as it sends).
    """

    backfill: dict[int, tuple[int, int]]
    window: list[Record]


class TopicLog(TopicReader):
    """A log topic: a bounded window of its latest records, and optionally each key's tail.

    At start it reads back at most ``scan`` records per partition, never the whole history.
    The window holds, for every partition, all records from :attr:`window_start` on, so any
    position inside it is replayed from memory.
    """

    def __init__(
        self,
        topic: str,
        model: type[BaseModel],
        *,
        window: int,
        scan: int,
        key_tail: int = 0,
    ) -> None:
        super().__init__(topic, model)
        self.window_start: Offsets = {}
        self._window: deque[Record] = deque(maxlen=window)
        self._scan = scan
        self._key_tail = key_tail
        self._tails: dict[str, deque[Record]] = {}

    def start_offsets(self, beginning: Offsets, end: Offsets) -> Offsets:
        start = {p: max(beginning[p], end[p] - self._scan) for p in end}
        self.window_start = dict(start)
        return start

    def store(self, record: Record) -> Record:
        window = self._window
        if window.maxlen is not None and len(window) == window.maxlen:
            evicted = window[0]
            self.window_start[evicted.partition] = evicted.offset + 1
        window.append(record)
        if self._key_tail and record.key is not None:
            tail = self._tails.setdefault(record.key, deque(maxlen=self._key_tail))
            tail.append(record)
        metrics.CACHED_RECORDS.labels(self.topic).set(len(window))
        return record

    def latest(self, count: int) -> list[Record]:
        """The last ``count`` records of the window, oldest first."""
        if count <= 0:
            return []
        return list(self._window)[-count:]

    def key_tail(self, key: str) -> list[Record]:
        """The last records of ``key`` this reader has seen (up to its ``key_tail``)."""
        return list(self._tails.get(key, ()))

    def replay(self, since: Offsets) -> Replay:
        """Everything after ``since``: what is older than the window, and the window."""
        backfill = {
            p: (since.get(p, 0), start)
            for p, start in self.window_start.items()
            if since.get(p, 0) < start
        }
        return Replay(backfill, list(self._window))
