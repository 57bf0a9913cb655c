"""The gateway's connection to the Kafka-API broker, through which commands are produced.

The gateway starts, and answers ``/healthz``, even while the broker is down: the producer
connects in the background and keeps retrying. Until it is connected, and whenever a send does
not complete within ``send_timeout_s``, a caller gets a 503 problem instead of a hanging
request. A 503 on a command means "not known to be accepted": a retry with the same
idempotency key is safe, because the correlation id makes both attempts one command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from streampay_contracts import headers
from streampay_gateway.http.problems import unavailable

log = structlog.get_logger(__name__)

RETRY_S = 1.0


class Broker:
    """Owns the gateway's idempotent producer."""

    def __init__(self, bootstrap_servers: str, send_timeout_s: float = 5.0) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._send_timeout_s = send_timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name="producer-connect")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._producer is not None:
            await self._producer.stop()

    @property
    def connected(self) -> bool:
        return self._producer is not None

    async def send(
        self, topic: str, key: str, value: bytes, record_headers: Mapping[str, str]
    ) -> Any:
        """Produce one record and wait for the broker's acknowledgement; 503 on failure."""
        if self._producer is None:
            raise unavailable("the broker is not reachable yet")
        try:
            return await asyncio.wait_for(
                self._producer.send_and_wait(
                    topic, value, key=key.encode(), headers=headers.to_kafka(record_headers)
                ),
                self._send_timeout_s,
            )
        except (KafkaError, TimeoutError) as error:
            log.warning("produce failed", topic=topic, error=str(error) or type(error).__name__)
            raise unavailable("the broker did not accept the record in time") from None

    async def reachable(self) -> bool:
        if self._producer is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), 3)
        except (KafkaError, TimeoutError):
            return False
        return True

    async def _connect(self) -> None:
        while True:
            # aiokafka binds its clients to the running event loop, so they are made here.
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap_servers,
                acks="all",
                enable_idempotence=True,
                linger_ms=1,
            )
            try:
                await producer.start()
            except asyncio.CancelledError:
                await producer.stop()
                raise
            except (KafkaError, OSError) as error:
                log.warning("broker unreachable; retrying", error=str(error))
                await producer.stop()
                await asyncio.sleep(RETRY_S)
                continue
            self._producer = producer
            return
