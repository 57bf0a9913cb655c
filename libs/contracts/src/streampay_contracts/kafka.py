"""Small Kafka helpers every service needs the same way, over aiokafka."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of `topic`, read from fresh cluster metadata.

    A consumer that assigns partitions itself (no group) must list them first; its
    `partitions_for_topic()` only knows topics the client already tracks and `topics()` does
    not add them, so the metadata is fetched explicitly. Raises `LookupError` when the topic
    does not exist (create the topics first).
    """
    cluster = await consumer._client.fetch_all_metadata()
    numbers = cluster.partitions_for_topic(topic)
    if not numbers:
        raise LookupError(f"topic {topic!r} does not exist; create the topics first")
    return [TopicPartition(topic, number) for number in sorted(numbers)]
