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
from typing import Any

import structlog
from faust.types import TP

from streampay_streams.adapters.records import RawRecord
from streampay_streams.agents.ordering import OrderGuard

log = structlog.get_logger(__name__)

Apply = Callable[[Sequence[RawRecord]], Awaitable[None]]
EXIT_FAILED = 70


async def consume(
    stream: Any, app: Any, apply: Apply, size: int, linger_s: float, guard: OrderGuard | None = None
) -> None:
    """Apply ``stream``'s records batch by batch, acknowledging each batch once applied.

    A record of an earlier consumer generation (read before a rebalance) is left alone: the
    partition's new owner, maybe this worker again, reads it again from the committed offset.
    With a ``guard``, a record that arrives ahead of its partition's order is held back too, and
    the partition is sought back so that it comes again in order.
    """
    try:
        async for events in stream.noack_take(size, within=linger_s):
            current = [e for e in events if e.message.generation_id == app.consumer_generation_id]
            admitted, held = _in_order(current, guard)
            await apply([RawRecord.of(event) for event in admitted])
            for event in admitted:
                await stream.ack(event)
            if held and guard is not None:
                await _seek_back(app.consumer, guard, held)
    except Exception:
        log.critical("storing or publishing failed; stopping the worker", exc_info=True)
        fail_stop()


def _in_order(events: Sequence[Any], guard: OrderGuard | None) -> tuple[list[Any], list[Any]]:
    if guard is None:
        return list(events), []
    admitted: list[Any] = []
    held: list[Any] = []
    for event in events:
        message = event.message
        ok = guard.admit(message.topic, message.partition, message.offset)
        (admitted if ok else held).append(event)
    return admitted, held


async def _seek_back(consumer: Any, guard: OrderGuard, held: Sequence[Any]) -> None:
    wanted = guard.seeks((e.message.topic, e.message.partition) for e in held)
    if not wanted:
        return
    partitions = {TP(topic, partition): offset for (topic, partition), offset in wanted.items()}
    for tp, first in (await consumer.earliest_offsets(*partitions)).items():
        guard.skip_lost((tp.topic, tp.partition), first)
    for tp in partitions:
        target = guard.expected[(tp.topic, tp.partition)]
        log.warning(
            "records arrived out of order; seeking back",
            topic=tp.topic,
            partition=tp.partition,
            offset=target,
            held=len(held),
        )
        await consumer.seek(tp, target)


def fail_stop() -> None:
    """Exit now, without Faust's shutdown, which would commit offsets of unfinished work."""
    logging.shutdown()
    sys.stdout.flush()
    os._exit(EXIT_FAILED)
