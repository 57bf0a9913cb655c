"""The gateway's connection to the Kafka-API broker."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError


class Broker:
    """Owns the gateway's idempotent producer; commands are produced through it."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # aiokafka binds its clients to the running event loop, so they are made here.
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            linger_ms=1,
        )
        await producer.start()
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def reachable(self) -> bool:
        if self._producer is None:
            return False
        try:
            await self._producer.client.fetch_all_metadata()
        except KafkaError:
            return False
        return True
