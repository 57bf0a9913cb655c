"""How the worker forms batches from a Faust stream: a lone record at once, then everything
that queued meanwhile, acknowledged only after it is applied; a failure stops the worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from streampay_streams.adapters.records import RawRecord
from streampay_streams.agents import batches
from streampay_streams.agents.ordering import OrderGuard

pytestmark = pytest.mark.unit

GENERATION = 7


@dataclass
class Message:
    offset: int
    generation_id: int = GENERATION
    topic: str = "commands"
    partition: int = 0
    key: bytes = b"local|alice"
    value: bytes = b"{}"
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: float = 0.0


@dataclass
class Event:
    message: Message


class FakeStream:
    """Hands over the events put into ``feed``; records what was acknowledged."""

    def __init__(self) -> None:
        self.enable_acks = True
        self.feed: asyncio.Queue[Event | None] = asyncio.Queue()
        self.acked: list[int] = []

    async def events(self) -> AsyncIterator[Event]:
        while (event := await self.feed.get()) is not None:
            yield event

    async def ack(self, event: Event) -> None:
        self.acked.append(event.message.offset)


@dataclass
class FakeConsumer:
    """What the consumer last saw of each partition's end (its highwater)."""

    ends: dict[tuple[str, int], int] = field(default_factory=dict)
    asked: int = 0

    def highwater(self, tp: Any) -> int:
        self.asked += 1
        if (tp.topic, tp.partition) not in self.ends:
            raise AssertionError("Partition is not assigned")  # as aiokafka says it
        return self.ends[(tp.topic, tp.partition)]


@dataclass
class FakeApp:
    consumer_generation_id: int = GENERATION
    rebalancing: bool = False
    consumer: FakeConsumer = field(default_factory=FakeConsumer)


class FakeHoles:
    """Reads a skipped range as the records at those offsets."""

    def __init__(self) -> None:
        self.read_ranges: list[tuple[int, int]] = []

    async def read(self, hole: Any) -> list[RawRecord]:
        (topic, partition), start, end = hole
        self.read_ranges.append((start, end))
        return [
            RawRecord.of(Event(Message(n, topic=topic, partition=partition)))
            for n in range(start, end)
        ]


class GatedApply:
    """An apply that records each batch and holds it until the test opens the gate."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self, records: Sequence[RawRecord]) -> None:
        self.batches.append([record.offset for record in records])
        self.started.set()
        await self.gate.wait()
        self.gate.clear()


async def eventually(check: Any) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


async def test_a_batch_is_what_queued_while_the_previous_one_was_applied() -> None:
    stream, apply = FakeStream(), GatedApply()
    worker = asyncio.create_task(batches.consume(stream, FakeApp(), apply, size=3))
    await stream.feed.put(Event(Message(0)))
    await apply.started.wait()
    assert apply.batches == [[0]]  # a lone record is applied at once
    assert stream.acked == [] and stream.enable_acks is False
    for offset in range(1, 6):
        await stream.feed.put(Event(Message(offset)))
    await eventually(lambda: stream.feed.qsize() == 1)  # 1-3 queued, 4 waits for room
    apply.gate.set()  # batch [0] is done: it is acknowledged, the queued records follow
    await eventually(lambda: len(apply.batches) == 2)
    assert stream.acked == [0]
    assert apply.batches[1] == [1, 2, 3]  # at most ``size``
    apply.gate.set()
    await eventually(lambda: len(apply.batches) == 3)
    assert apply.batches[2] == [4, 5]
    apply.gate.set()
    await eventually(lambda: stream.acked == [0, 1, 2, 3, 4, 5])
    await stream.feed.put(None)
    await worker


async def test_records_of_an_earlier_generation_are_left_alone() -> None:
    stream = FakeStream()
    applied: list[int] = []

    async def apply(records: Sequence[RawRecord]) -> None:
        applied.extend(record.offset for record in records)

    worker = asyncio.create_task(batches.consume(stream, FakeApp(), apply, size=10))
    await stream.feed.put(Event(Message(0, generation_id=GENERATION - 1)))
    await stream.feed.put(Event(Message(1)))
    await eventually(lambda: 1 in stream.acked)
    assert applied == [1]
    assert stream.acked == [1]
    await stream.feed.put(None)
    await worker


async def test_a_failed_batch_stops_the_worker_without_acknowledging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stopped = asyncio.Event()
    monkeypatch.setattr(batches, "fail_stop", stopped.set)
    stream = FakeStream()

    async def failing(records: Sequence[RawRecord]) -> None:
        raise RuntimeError("the broker refused the write")

    worker = asyncio.create_task(batches.consume(stream, FakeApp(), failing, size=10))
    await stream.feed.put(Event(Message(0)))
    await asyncio.wait_for(stopped.wait(), 5)
    assert stream.acked == []
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker


async def test_records_skipped_at_the_end_of_a_partition_are_applied_after_a_quiet_spell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The consumer skipped offsets 2-4, the last ones of the partition: no later record will
    reveal the hole, so once the stream is quiet the worker compares the partition's end with
    the next offset to apply, reads what lies between and applies it, once."""
    monkeypatch.setattr(batches, "TAIL_CHECK_S", 0.05)
    stream, app, holes = FakeStream(), FakeApp(), FakeHoles()
    app.consumer.ends[("commands", 0)] = 5
    guard = OrderGuard(frozenset({"commands"}))
    guard.reset({("commands", 0): 0})
    reported: list[tuple[int, int]] = []

    async def report_acked(consumer: Any, tp: Any, start: int, last: int) -> None:
        reported.append((start, last))

    applied: list[int] = []

    async def apply(records: Sequence[RawRecord]) -> None:
        applied.extend(record.offset for record in records)

    order = batches.InOrder(guard, holes, report_acked)  # type: ignore[arg-type]
    worker = asyncio.create_task(batches.consume(stream, app, apply, 10, order))
    await stream.feed.put(Event(Message(0)))
    await stream.feed.put(Event(Message(1)))
    await eventually(lambda: applied == [0, 1, 2, 3, 4])
    asked = app.consumer.asked
    await eventually(lambda: app.consumer.asked >= asked + 3)  # later quiet spells read nothing
    assert applied == [0, 1, 2, 3, 4] and holes.read_ranges == [(2, 5)]
    assert reported == [(2, 4)]  # offsets 2-4 count as acknowledged, so commits move past
    assert stream.acked == [0, 1]
    await stream.feed.put(None)
    await worker
