"""Small Kafka helpers every service needs the same way, over aiokafka."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_random_exponential,
)


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of `topic`, read from fresh cluster metadata; `LookupError` when the
    topic does not exist (create the topics first)."""
    found = await partitions_of(consumer, [topic])
    if topic not in found:
        raise LookupError(f"topic {topic!r} does not exist; create the topics first")
    return found[topic]


async def partitions_of(
    consumer: AIOKafkaConsumer, topics: Iterable[str]
) -> dict[str, list[TopicPartition]]:
    """Every partition of each of `topics` that exists, from one fresh read of the cluster
    metadata; a topic that does not exist is left out.

    A consumer that assigns partitions itself (no group) must list them first; its
    `partitions_for_topic()` only knows topics the client already tracks and `topics()` does
    not add them, so the metadata is fetched explicitly.
    """
    cluster = await consumer._client.fetch_all_metadata()
    found: dict[str, list[TopicPartition]] = {}
    for topic in topics:
        numbers = cluster.partitions_for_topic(topic)
        if numbers:
            found[topic] = [TopicPartition(topic, number) for number in sorted(numbers)]
    return found


async def connect_admin(
    bootstrap_servers: str, timeout_s: float, retry_s: float = 0.5
) -> AIOKafkaAdminClient:
    """A started admin client, retrying until the broker answers or ``timeout_s`` passes; the
    waits between attempts grow from ``retry_s`` with random jitter (at most 4 s)."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(KafkaError),
        wait=wait_random_exponential(multiplier=retry_s, max=max(retry_s, 4.0)),
        stop=stop_after_delay(timeout_s),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000
            )
            try:
                await admin.start()
            except KafkaError:
                await admin.close()
                raise
    return admin


@dataclass(frozen=True)
class TopicState:
    """What the broker reports about one topic."""

    name: str
    partitions: int
    configs: dict[str, str]


async def describe(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, TopicState]:
    """What the broker reports about each of ``names`` that exists: partitions and configs."""
    existing = set(await admin.list_topics())
    wanted = [n for n in names if n in existing]
    if not wanted:
        return {}
    metadata = await admin.describe_topics(wanted)
    resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in wanted]
    responses = await admin.describe_configs(resources)
    configs: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            _, _, _, name, entries = resource[:5]
            configs[name] = {e[0]: e[1] for e in entries}
    return {
        m["topic"]: TopicState(m["topic"], len(m["partitions"]), configs.get(m["topic"], {}))
        for m in metadata
    }
