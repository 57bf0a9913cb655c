"""Reading a topic from a position up to the end it has now, without a consumer group."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition

Records = list[tuple[str, bytes | None]]


async def read_topic(bootstrap_servers: str, topic: str) -> Records:
    """Every record of ``topic`` from the beginning up to the end it has now, in order."""
    records, _ = await read_from(bootstrap_servers, topic)
    return records


async def read_from(
    bootstrap_servers: str, topic: str, start: Mapping[int, int] | None = None
) -> tuple[Records, dict[int, int]]:
    """The records of ``topic`` from ``start`` (partition → offset; the beginning where not
    given) up to its current end, partition after partition; and that end."""
    # Subscribed without a group, the consumer is given every partition of the topic.
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = sorted(await _assigned(consumer), key=lambda tp: tp.partition)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        firsts: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
        records: Records = []
        for tp in partitions:
            at = max((start or {}).get(tp.partition, 0), firsts[tp])
            if at >= ends[tp]:
                continue
            consumer.seek(tp, at)
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=500)
                records += [
                    ((r.key or b"").decode(errors="replace"), r.value)
                    for r in batch.get(tp, [])
                    if r.offset < ends[tp]
                ]
        return records, {tp.partition: end for tp, end in ends.items()}
    finally:
        await consumer.stop()


async def _assigned(consumer: AIOKafkaConsumer) -> set[TopicPartition]:
    for _ in range(600):
        if consumer.assignment():
            break
        await asyncio.sleep(0.05)
    return set(consumer.assignment())
