"""A view topic as the gateway reads it: the records it keeps, and the streams it feeds.

Every view topic is one :class:`~streampay_gateway.feed.Source` of the process's one consumer;
a reader keeps what its subclass stores and hands each record to its listeners synchronously,
in partition order. Clients never get a consumer of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from streampay_gateway.feed import Since, Source
from streampay_gateway.views import metrics
from streampay_gateway.views.positions import Offsets
from streampay_gateway.views.records import Record, from_kafka

Listener = Callable[[Record], None]


class TopicReader(Source):
    """Reads one view topic from the offsets :meth:`start_offsets` picks."""

    def __init__(self, topic: str, model: type[BaseModel]) -> None:
        super().__init__(topic)
        self.model = model
        self._listeners: set[Listener] = set()

    # -- what subclasses decide --------------------------------------------------------------

    def start_offsets(self, beginning: Offsets, end: Offsets) -> Offsets:
        """Where reading starts in each partition; the whole topic unless a subclass says less."""
        return dict(beginning)

    def store(self, record: Record) -> Record:
        """Keep ``record``; return it as listeners should see it."""
        return record

    # -- the feed ----------------------------------------------------------------------------

    async def first_offsets(self, beginning: Offsets, end: Offsets, since: Since) -> Offsets:
        return self.start_offsets(beginning, end)

    def take(self, message: Any) -> None:
        self.apply(from_kafka(message, self.model), message.partition, message.offset)

    def lag(self, lags: Offsets) -> None:
        for partition, lag in lags.items():
            metrics.READER_LAG.labels(self.topic, str(partition)).set(lag)

    # -- listeners ---------------------------------------------------------------------------

    def attach(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def detach(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    def apply(self, record: Record | None, partition: int, offset: int) -> None:
        """Store one record, advance past it and tell every listener, all in one step."""
        self.positions[partition] = offset + 1
        if record is None:
            return
        record = self.store(record)
        for listener in list(self._listeners):
            listener(record)
