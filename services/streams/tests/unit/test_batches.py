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
class FakeApp:
    consumer_generation_id: int = GENERATION


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
