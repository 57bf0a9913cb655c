"""Publishing records, in order, and waiting until the broker has every one of them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Protocol

from streampay_streams.adapters.records import Emit
from streampay_streams.observability import observe_publish


class Publisher(Protocol):
    async def publish(self, records: Sequence[Emit]) -> None:
        """Send ``records`` in this order; return once all are acknowledged (acks=all)."""


class KafkaPublisher:
    """Publishes through the Faust app's producer (``producer_acks=-1``).

    Records are handed to the producer one after the other, which keeps their order within
    each partition; then all acknowledgements are awaited together.
    """

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    async def publish(self, records: Sequence[Emit]) -> None:
        started = time.perf_counter()
        acknowledgements = [await self._send(record) for record in records]
        await asyncio.gather(*acknowledgements)
        observe_publish(records, time.perf_counter() - started)

    async def _send(self, record: Emit) -> Any:
        pairs = [(name, value.encode()) for name, value in record.headers.items()]
        return await self._producer.send(
            record.topic,
            record.key.encode(),
            record.body,
            partition=record.partition,
            timestamp=None,
            headers=pairs,
        )
