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
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_never,
    wait_random_exponential,
)

from streampay_contracts import headers
from streampay_gateway.http.problems import unavailable

log = structlog.get_logger(__name__)

RETRY_MAX_S = 2.0
"""The longest pause between attempts to connect: exponential back-off from 0.1 s, with random
jitter so that gateways restarted together do not retry in step."""


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
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning("broker unreachable; retrying", error=str(error))

        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((KafkaError, OSError)),
            wait=wait_random_exponential(multiplier=0.1, max=RETRY_MAX_S),
            stop=stop_never,
            before_sleep=before_sleep,
        ):
            with attempt:
                self._producer = await self._started_producer()

    async def _started_producer(self) -> AIOKafkaProducer:
        # aiokafka binds its clients to the running event loop, so they are made here.
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            linger_ms=1,
        )
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        return producer
