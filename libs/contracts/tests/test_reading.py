"""Reading topics to their end without a consumer group, against the session's real broker."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streampay_contracts.reading import END, At, TopicReader, keyed, read_to_end

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest_asyncio.fixture
async def producer(kafka: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    yield producer
    await producer.stop()


async def create_topic(kafka: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, PARTITIONS, 1)])
    finally:
        await admin.close()


@pytest_asyncio.fixture
async def topic(kafka: str) -> str:
    name = f"reading-{uuid.uuid4().hex[:8]}"
    await create_topic(kafka, name)
    return name


async def write(producer: AIOKafkaProducer, topic: str, count: int, tag: str) -> None:
    for n in range(count):
        await producer.send(topic, f"{tag}{n}".encode(), key=b"k", partition=n % PARTITIONS)
    await producer.flush()


def values(records: list[tuple[str, bytes | None]]) -> list[str]:
    return [(value or b"").decode() for _, value in records]


async def test_reading_to_the_end_stops_at_the_end_taken_at_start(
    kafka: str, topic: str, producer: AIOKafkaProducer
) -> None:
    await write(producer, topic, 9, "a")
    records, ends = await read_to_end(kafka, topic)
    assert sorted(values(keyed(records))) == sorted(f"a{n}" for n in range(9))
    assert [r.partition for r in records] == sorted(r.partition for r in records)
    assert ends == {TopicPartition(topic, p): 3 for p in range(PARTITIONS)}

    await write(producer, topic, 3, "b")
    later, _ = await read_to_end(kafka, topic, start=ends)
    assert sorted(values(keyed(later))) == ["b0", "b1", "b2"]


async def test_a_reader_starts_at_given_offsets_a_moment_or_the_end(
    kafka: str, topic: str, producer: AIOKafkaProducer
) -> None:
    await write(producer, topic, 6, "old")
    moment = int(time.time() * 1000) + 1
    await asyncio.sleep(0.05)
    await write(producer, topic, 3, "new")

    first = TopicPartition(topic, 0)
    records, _ = await read_to_end(kafka, topic, start={first: 2})  # others from the beginning
    assert sorted(values(keyed(records))) == [
        "new0",
        "new1",
        "new2",
        "old1",
        "old2",
        "old4",
        "old5",
    ]
    clamped, _ = await read_to_end(kafka, topic, start={first: 99})  # past the end: none of it
    assert sorted(values(keyed(clamped))) == ["new1", "new2", "old1", "old2", "old4", "old5"]

    since, _ = await read_to_end(kafka, topic, start=At(moment))
    assert sorted(values(keyed(since))) == ["new0", "new1", "new2"]
    nothing, _ = await read_to_end(kafka, topic, start=END)
    assert nothing == []


async def test_a_following_reader_catches_up_with_the_start_then_with_now(
    kafka: str, topic: str, producer: AIOKafkaProducer
) -> None:
    await write(producer, topic, 3, "a")
    async with TopicReader(kafka, topic) as reader:
        await reader.start()
        seen: list[str] = []
        while not reader.reached():
            seen += [(r.value or b"").decode() for r in await reader.fetch(100)]
        assert sorted(seen) == ["a0", "a1", "a2"]

        await write(producer, topic, 3, "b")
        target = await reader.end_offsets()
        assert not reader.reached(target)
        while not reader.reached(target):
            seen += [(r.value or b"").decode() for r in await reader.fetch(100)]
        assert sorted(seen) == ["a0", "a1", "a2", "b0", "b1", "b2"]
        assert reader.lag() == dict.fromkeys(reader.partitions, 0)


async def test_a_reader_waits_with_back_off_for_a_topic_that_is_being_created(kafka: str) -> None:
    name = f"reading-late-{uuid.uuid4().hex[:8]}"
    reader = TopicReader(kafka, name, patience_s=30)
    starting = asyncio.create_task(reader.start())
    await asyncio.sleep(0.5)
    assert not starting.done()  # retrying: the topic is not there yet
    await create_topic(kafka, name)
    await asyncio.wait_for(starting, 30)
    assert len(reader.partitions) == PARTITIONS
    assert reader.reached()  # an empty topic is read to its end at once
    await reader.stop()


async def test_a_reader_gives_up_on_a_missing_topic_after_its_patience(kafka: str) -> None:
    reader = TopicReader(kafka, f"reading-never-{uuid.uuid4().hex[:8]}", patience_s=1)
    with pytest.raises(LookupError, match="create the topics first"):
        await reader.start()
    assert reader.consumer is None  # nothing left open
