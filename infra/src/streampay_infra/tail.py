"""`make tail TOPIC=...`: print a topic's records live, with partition, offset, key and headers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from streampay_contracts.kafka import topic_partitions


def render(record: ConsumerRecord[bytes, bytes]) -> str:
    when = datetime.fromtimestamp(record.timestamp / 1000, UTC).strftime("%H:%M:%S.%f")[:-3]
    key = record.key.decode(errors="replace") if record.key is not None else "∅"
    headers = " ".join(f"{k}={v.decode(errors='replace')}" for k, v in record.headers)
    value = record.value.decode(errors="replace") if record.value is not None else "<tombstone>"
    head = f"{when} {record.topic}[{record.partition}]@{record.offset} key={key}"
    return f"{head}\n    headers: {headers or '-'}\n    value:   {value}"


async def follow(bootstrap_servers: str, topic: str, from_beginning: bool = False) -> None:
    """Print every new record of every partition of `topic` until interrupted (no group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        try:
            assigned = await topic_partitions(consumer, topic)
        except LookupError as error:
            print(error)
            return
        consumer.assign(assigned)
        if from_beginning:
            await consumer.seek_to_beginning(*assigned)
        else:
            await consumer.seek_to_end(*assigned)
        print(f"following {topic} ({len(assigned)} partitions); Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            async for record in consumer:
                print(render(record), flush=True)
    finally:
        await consumer.stop()
