"""Consuming a Faust stream in batches, acknowledging records only once fully applied.

Faust's usual iteration acknowledges a record as soon as the loop moves on, and its batching
helpers acknowledge a batch even when processing it failed. Here records are acknowledged by
hand, after their effects are stored and published; a record never acknowledged is delivered
again after a restart.

Batches form by themselves: the stream is read into a queue all the time, and a batch is
everything that queued while the previous batch was being stored and published (up to
``size``). A lone record is applied at once, with no wait to fill a batch; under load the
batches grow, so the fixed cost of a batch (three acknowledged writes) is shared by more
records. Faust's ``take(max, within)`` instead fills a batch only during its ``within`` window
after the previous one, which caps the batch at what Faust can hand over in that window.

When storing or publishing fails, the worker stops at once (fail-stop)
instead of carrying on past records whose effects may be half done: the supervisor restarts it,
and recovery finishes the job.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import structlog
from faust.types import TP

from streampay_streams.adapters.records import RawRecord
from streampay_streams.agents.ordering import HoleReader, OrderGuard
from streampay_streams.observability import Stage

log = structlog.get_logger(__name__)

Apply = Callable[[Sequence[RawRecord]], Awaitable[None]]
EXIT_FAILED = 70
TAIL_CHECK_S = 2.0
"""A guarded stream quiet this long has the end of each of its partitions checked for records
the consumer skipped (see :func:`_fill_tail_holes`)."""


@dataclass
class InOrder:
    """What keeps a stream's guarded partitions in order: the guard, the reader of skipped
    ranges, and Faust's bookkeeping to report those ranges as acknowledged once applied."""

    guard: OrderGuard
    holes: HoleReader
    report_acked: Callable[[Any, Any, int, int], Awaitable[None]]


async def consume(
    stream: Any,
    app: Any,
    apply: Apply,
    size: int,
    order: InOrder | None = None,
    stage: Stage | None = None,
) -> None:
    """Apply ``stream``'s records batch by batch, acknowledging each batch once applied.

    The agent's own task reads the stream (Faust counts what arrives before a stream is read as
    acknowledged) into a queue of at most ``size`` records; a second task applies them.
    A record of an earlier consumer generation (read before a rebalance) is left alone: the
    partition's new owner, maybe this worker again, reads it again from the committed offset.
    With ``order``, records the consumer skipped in a guarded partition are read and applied
    before the record that revealed the hole. ``stage`` counts the batches and tells liveness
    how many records wait.
    """
    stream.enable_acks = False  # acknowledged by hand, once applied
    queued: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)
    stage = stage or Stage("unnamed")
    stage.waiting = lambda: queued.qsize() + stage.in_flight
    applying = asyncio.create_task(_apply_batches(stream, app, apply, queued, size, order, stage))
    try:
        async for event in stream.events():
            if not stage.waiting():
                stage.progressed = time.monotonic()  # idle until now: the wait starts here
            await _put(queued, event, applying)
    finally:
        applying.cancel()


async def _put(queued: asyncio.Queue[Any], event: Any, applying: asyncio.Task[None]) -> None:
    """Queue ``event``, waiting while the queue is full, unless applying has stopped."""
    if not queued.full():
        queued.put_nowait(event)  # the usual case: no task, no wait
        return
    put = asyncio.ensure_future(queued.put(event))
    await asyncio.wait((put, applying), return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
        raise RuntimeError("the batch applier stopped")  # it fail-stops the worker first


async def _apply_batches(
    stream: Any,
    app: Any,
    apply: Apply,
    queued: asyncio.Queue[Any],
    size: int,
    order: InOrder | None,
    stage: Stage,
) -> None:
    try:
        while True:
            try:
                # A cancelled get takes nothing: a record stays queued until get_nowait.
                async with asyncio.timeout(TAIL_CHECK_S if order is not None else None):
                    events = [await queued.get()]
            except TimeoutError:
                await _fill_tail_holes(app, apply, cast(InOrder, order), stage)
                continue
            while len(events) < size and not queued.empty():
                events.append(queued.get_nowait())
            started = time.perf_counter()
            stage.in_flight = len(events)
            current = [e for e in events if e.message.generation_id == app.consumer_generation_id]
            records, filled = await _in_order(current, order)
            await apply(records)
            for event in current:
                await stream.ack(event)
            stage.in_flight = 0
            stage.applied(len(records), time.perf_counter() - started)
            if order is not None:
                for tp, start, end in filled:
                    await order.report_acked(app.consumer, tp, start, end - 1)  # inclusive
    except asyncio.CancelledError:
        raise
    except Exception:
        log.critical("storing or publishing failed; stopping the worker", exc_info=True)
        fail_stop()


async def _fill_tail_holes(app: Any, apply: Apply, order: InOrder, stage: Stage) -> None:
    """Apply what the consumer skipped at the end of a guarded partition.

    A skipped range is found when a later record arrives (see :func:`_in_order`); a range at the
    very end of a partition has no later record, and its commands would wait, unanswered, for
    the next command to that partition. So after a quiet spell each owned guarded partition's
    end (as the consumer last saw it) is compared with the next offset to apply, and what lies
    between is read and applied, as a hole would be. Not while partitions are being reassigned:
    the next assignment resets the offsets to apply.
    """
    if app.rebalancing:
        return
    generation = app.consumer_generation_id
    for topic, partition in list(order.guard.expected):
        tp = TP(topic, partition)
        try:
            end = app.consumer.highwater(tp)
        except AssertionError:  # no longer assigned to this worker
            continue
        hole = None if end is None else order.guard.tail(topic, partition, end)
        if hole is None:
            continue
        records = await order.holes.read(hole)
        if app.rebalancing or app.consumer_generation_id != generation:
            return  # the partition may have moved meanwhile: its next owner reads it
        started = time.perf_counter()
        await apply(records)
        stage.applied(len(records), time.perf_counter() - started)
        _, start, end = hole
        await order.report_acked(app.consumer, tp, start, end - 1)  # inclusive


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
