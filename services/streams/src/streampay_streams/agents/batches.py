"""Consuming a Faust stream in batches, acknowledging records only once fully applied.

Faust's usual iteration acknowledges a record as soon as the loop moves on, and its batching
helpers acknowledge a batch even when processing it failed. Here records are acknowledged by
hand, after their effects are stored and published; a record never acknowledged is delivered
again after a restart. When storing or publishing fails, the worker stops at once (fail-stop)
instead of carrying on past records whose effects may be half done: the supervisor restarts it,
and recovery finishes the job.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from streampay_streams.adapters.records import RawRecord
from streampay_streams.agents.ordering import HoleReader, OrderGuard

log = structlog.get_logger(__name__)

Apply = Callable[[Sequence[RawRecord]], Awaitable[None]]
EXIT_FAILED = 70


@dataclass
class InOrder:
    """What keeps a stream's guarded partitions in order: the guard, the reader of skipped
    ranges, and Faust's bookkeeping to report those ranges as acknowledged once applied."""

    guard: OrderGuard
    holes: HoleReader
    report_acked: Callable[[Any, Any, int, int], Awaitable[None]]


async def consume(
    stream: Any, app: Any, apply: Apply, size: int, linger_s: float, order: InOrder | None = None
) -> None:
    """Apply ``stream``'s records batch by batch, acknowledging each batch once applied.

    A record of an earlier consumer generation (read before a rebalance) is left alone: the
    partition's new owner, maybe this worker again, reads it again from the committed offset.
    With ``order``, records the consumer skipped in a guarded partition are read and applied
    before the record that revealed the hole.
    """
    try:
        async for events in stream.noack_take(size, within=linger_s):
            current = [e for e in events if e.message.generation_id == app.consumer_generation_id]
            records, filled = await _in_order(current, order)
            await apply(records)
            for event in current:
                await stream.ack(event)
            if order is not None:
                for tp, start, end in filled:
                    await order.report_acked(app.consumer, tp, start, end - 1)  # inclusive
    except Exception:
        log.critical("storing or publishing failed; stopping the worker", exc_info=True)
        fail_stop()


async def _in_order(
    events: Sequence[Any], order: InOrder | None
) -> tuple[list[RawRecord], list[tuple[Any, int, int]]]:
    """The records to apply, holes filled, and the filled holes by Faust partition."""
    records: list[RawRecord] = []
    filled: list[tuple[Any, int, int]] = []
    for event in events:
        message = event.message
        if order is not None:
            hole = order.guard.check(message.topic, message.partition, message.offset)
            if hole is not None:
                records.extend(await order.holes.read(hole))
                filled.append((message.tp, hole[1], hole[2]))
        records.append(RawRecord.of(event))
    return records, filled


def fail_stop() -> None:
    """Exit now, without Faust's shutdown, which would commit offsets of unfinished work."""
    logging.shutdown()
    sys.stdout.flush()
    os._exit(EXIT_FAILED)
