"""The bank: the trusted backend service that tops accounts up.

Money enters StreamPay only through deposits from the funding account `system|bank`. No one
can sign in as a `system|` identity, so the gateway never routes a deposit; the bank produces
its `DepositCommand`s directly to `commands`, keyed by the credited user so the credit is
applied in that account's partition, and reads each correlated answer from `replies`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from decimal import Decimal

from aiokafka import AIOKafkaProducer

from streampay_contracts import SYSTEM_BANK, DepositCommand, codec, headers, topics
from streampay_contracts.envelopes import CommandEnvelope, ReplyEnvelope
from streampay_contracts.reading import END, TopicReader
from streampay_simulation.stats import Outcome


class Bank:
    def __init__(self, bootstrap_servers: str, reply_timeout_s: float) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._reply_timeout_s = reply_timeout_s
        self._waiting: dict[str, asyncio.Future[Outcome]] = {}
        self._producer: AIOKafkaProducer | None = None
        self._replies: TopicReader | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers, acks="all", enable_idempotence=True
        )
        await self._producer.start()
        replies = TopicReader(self._bootstrap_servers, topics.REPLIES)
        await replies.start(END)  # only replies to deposits sent from now on matter
        self._replies = replies
        self._reader = asyncio.create_task(self._read_replies(replies))

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._replies is not None:
            await self._replies.stop()
        if self._producer is not None:
            await self._producer.stop()

    async def deposit(self, user_id: str, amount: Decimal, notes: str) -> Outcome:
        """Credit `amount` to `user_id`; the outcome is the streams service's reply."""
        assert self._producer is not None, "Bank.start() first"
        correlation_id = f"bank-{uuid.uuid4()}"
        answer = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = answer
        command = DepositCommand(user_id=user_id, amount=amount, notes=notes)
        envelope = CommandEnvelope(SYSTEM_BANK, DepositCommand.domain_model, correlation_id)
        try:
            await self._producer.send_and_wait(
                topics.COMMANDS,
                codec.encode(command),
                key=user_id.encode(),
                headers=headers.to_kafka(envelope.to_headers()),
            )
            return await asyncio.wait_for(answer, self._reply_timeout_s)
        except TimeoutError:
            return Outcome("DepositCommand", 504, "no reply from the streams service")
        finally:
            self._waiting.pop(correlation_id, None)

    async def _read_replies(self, replies: TopicReader) -> None:
        async for record in replies.follow():
            reply = ReplyEnvelope.from_headers(headers.from_kafka(record.headers))
            answer = None if reply is None else self._waiting.get(reply.correlation_id)
            if reply is None or answer is None or answer.done():
                continue
            status = reply.status or 500
            detail = ""
            if status >= 400 and record.value:
                detail = str(codec.loads(record.value).get("detail", ""))
            answer.set_result(Outcome("DepositCommand", status, detail))
