"""Fixtures of the gateway's unit and integration tests.

Integration tests run gateway apps in-process (httpx ``ASGITransport``, with their lifespan)
against the session's real broker. Until the streams worker answers commands, the command path
is exercised against :class:`Responder`, a test double of the worker that follows the reply
protocol of the contracts; it is for these tests only.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import BaseModel

from streampay_contracts import (
    CancelRequestCommand,
    DeclineRequestCommand,
    PayCommand,
    PaymentRequest,
    PayReply,
    Problem,
    RequestCommand,
    RequestReply,
    RequestStatus,
    UserProfile,
    command_model,
    decode,
    encode,
    headers,
    topics,
)
from streampay_contracts import (
    User as Profile,
)
from streampay_contracts.envelopes import CommandEnvelope, ReplyEnvelope
from streampay_gateway.app import create_app
from streampay_gateway.config import GatewaySettings

NOW_MS = 1_795_000_000_000

# -- a test double of the streams worker -------------------------------------------------------


@dataclass
class Responder:
    """Answers commands like the streams worker would, with canned decisions.

    Pay: 200 (409 above 500.00). Request: 201, and the request appears on ``payment-requests``.
    Decline/cancel: 200 with the closed request (404 unless the caller is its payer/requester).
    Profile: 200, and the profile appears on ``users``.
    Commands of users in :attr:`held` are kept unanswered until :meth:`release`.
    """

    bootstrap: str
    received: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    serves: set[str] = field(default_factory=set)
    """The users whose commands it answers: those these tests signed in, nobody else's."""
    held: set[str] = field(default_factory=set)
    _held_records: list[Any] = field(default_factory=list)
    _requests: dict[str, PaymentRequest] = field(default_factory=dict)
    _answers: dict[str, tuple[str | None, int, BaseModel]] = field(default_factory=dict)
    _producer: AIOKafkaProducer | None = None
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        await self._producer.start()
        await self._consumer.start()
        cluster = await self._consumer._client.fetch_all_metadata()
        numbers = cluster.partitions_for_topic(topics.COMMANDS) or set()
        partitions = [TopicPartition(topics.COMMANDS, n) for n in numbers]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve the end positions now, before any test produces
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()
        if self._producer:
            await self._producer.stop()

    def commands_of(self, user_id: str) -> list[dict[str, str]]:
        return [h for batch in self.received.values() for h in batch if h["identity"] == user_id]

    async def release(self, user_id: str) -> None:
        self.held.discard(user_id)
        for record in [r for r in self._held_records if _identity(r) == user_id]:
            self._held_records.remove(record)
            await self._answer(record)

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    await self._on_command(record)

    async def _on_command(self, record: Any) -> None:
        found = headers.from_kafka(record.headers)
        if found.get(headers.IDENTITY) not in self.serves:
            return  # another test's command, e.g. one for the real worker of the e2e stack
        self.received[found[headers.CORRELATION_ID]].append(
            {**found, "identity": found[headers.IDENTITY], "value": record.value.decode()}
        )
        if found[headers.IDENTITY] in self.held:
            self._held_records.append(record)
        else:
            await self._answer(record)

    async def _answer(self, record: Any) -> None:
        """Like the worker: each correlation id is decided once; a copy gets the same answer,
        an attempt with another body a 422 of its own."""
        command_envelope = CommandEnvelope.from_headers(headers.from_kafka(record.headers))
        cid, asked = command_envelope.correlation_id, command_envelope.fingerprint
        earlier = self._answers.get(cid)
        if earlier is None:
            command = decode(record.value, command_model(command_envelope.domain_model))
            status, body = await self._decide(
                command_envelope.identity, headers.from_kafka(record.headers), command
            )
            self._answers[cid] = (asked, status, body)
        elif earlier[0] is not None and asked is not None and earlier[0] != asked:
            status, body = 422, Problem.key_reused()
        else:
            status, body = earlier[1], earlier[2]
        envelope = ReplyEnvelope(
            correlation_id=cid,
            status=status,
            content_type=headers.JSON_CONTENT_TYPE
            if status < 400
            else headers.PROBLEM_CONTENT_TYPE,
            identity=command_envelope.identity,
            idempotency_key=command_envelope.idempotency_key,
            fingerprint=asked,
        )
        await self._send(topics.REPLIES, record.key.decode(), body, envelope.to_headers())

    async def _decide(
        self, caller: str, found: dict[str, str], command: Any
    ) -> tuple[int, BaseModel]:
        cid = found[headers.CORRELATION_ID]
        if isinstance(command, PayCommand):
            if command.amount > 500:
                return 409, Problem.conflict("not enough money", balance=Decimal("100.00"))
            balance = Decimal("1000.00") - command.amount
            return 200, PayReply(command_id=cid, amount=command.amount, balance=balance, version=1)
        if isinstance(command, RequestCommand):
            return 201, await self._open_request(caller, cid, command)
        if isinstance(command, UserProfile):
            profile = Profile(id=caller, name=command.name, username=command.username)
            await self._send(topics.USERS, caller, profile, {headers.IDENTITY: caller})
            return 200, profile
        return await self._close_request(caller, command)

    async def _open_request(self, caller: str, cid: str, command: RequestCommand) -> RequestReply:
        request = PaymentRequest(
            id=f"r-{cid[:16]}",
            from_user_id=caller,
            from_user_name=caller,
            to_user_id=command.user_id,
            to_user_name=command.user_id,
            amount=command.amount,
            notes=command.notes,
            timestamp=NOW_MS,
        )
        self._requests[request.id] = request
        marks = {headers.IDENTITY: request.to_user_id}
        await self._send(topics.PAYMENT_REQUESTS, request.id, request, marks)
        return RequestReply(id=request.id)

    async def _close_request(
        self, caller: str, command: DeclineRequestCommand | CancelRequestCommand
    ) -> tuple[int, BaseModel]:
        request = self._requests.get(command.request_id)
        decline = isinstance(command, DeclineRequestCommand)
        party = (
            None if request is None else (request.to_user_id if decline else request.from_user_id)
        )
        if request is None or party != caller:
            return 404, Problem.not_found("no such request of yours")
        status = RequestStatus.DECLINED if decline else RequestStatus.CANCELLED
        closed = request.model_copy(update={"status": status})
        marks = {headers.IDENTITY: request.to_user_id}
        await self._send(topics.PAYMENT_REQUESTS, request.id, closed, marks)
        await self._send(topics.PAYMENT_REQUESTS, request.id, None, marks)
        return 200, closed

    async def _send(
        self, topic: str, key: str, value: BaseModel | None, record_headers: dict[str, str]
    ) -> None:
        assert self._producer is not None
        await self._producer.send_and_wait(
            topic,
            None if value is None else encode(value),
            key=key.encode(),
            headers=headers.to_kafka(record_headers),
        )


def _identity(record: Any) -> str:
    return headers.from_kafka(record.headers)[headers.IDENTITY]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def responder(kafka: str) -> AsyncIterator[Responder]:
    double = Responder(kafka)
    await double.start()
    yield double
    await double.stop()


# -- gateway apps in-process -------------------------------------------------------------------


@asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway app with its lifespan running, and a client for it; ready on entry."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as client,
    ):
        if not await until(lambda: _ready(client), 60):
            raise AssertionError(f"the gateway is not ready: {(await client.get('/readyz')).text}")
        yield client


COMMAND_AND_READ_CHECKS = (
    "broker",
    "replies index",
    "users table",
    "payment-requests table",
)


async def _ready(client: httpx.AsyncClient) -> bool:
    """Whether what these tests use is ready (the live views have tests of their own)."""
    checks = (await client.get("/readyz")).json()["checks"]
    return all(checks.get(name) for name in COMMAND_AND_READ_CHECKS)


async def until(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    """Poll an async condition every 50 ms for at most ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        if await check():
            return True
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
def gateway_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gateway-data")


@pytest.fixture(scope="session")
def gateway_settings(kafka: str, gateway_data_dir: Path) -> Callable[..., GatewaySettings]:
    """Settings of an in-process gateway on the test broker; keyword arguments override."""

    def make(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": kafka,
            "gateway_data_dir": gateway_data_dir,
            "frontend_dist": gateway_data_dir / "no-frontend",
            # Every test signs in from the same address.
            "auth_sign_ins_per_minute": 1_000_000,
            "new_profiles_per_hour": 1_000_000,
            **overrides,
        }
        return GatewaySettings(**values)

    return make


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def gateway(
    gateway_settings: Callable[..., GatewaySettings], responder: Responder
) -> AsyncIterator[httpx.AsyncClient]:
    """The shared in-process gateway, with the responder answering its commands."""
    async with running_gateway(gateway_settings()) as client:
        yield client


@pytest.fixture
def start_gateway(
    gateway_settings: Callable[..., GatewaySettings],
) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """Start another in-process gateway (a second instance, or one after a restart)."""
    return lambda **overrides: running_gateway(gateway_settings(**overrides))


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


SignIn = Callable[..., Awaitable[User]]


@pytest.fixture
def sign_in(gateway: httpx.AsyncClient, responder: Responder) -> SignIn:
    """Sign a fresh user in (unique name); ``scope`` narrows the token."""

    async def sign(scope: str | None = None, client: httpx.AsyncClient = gateway) -> User:
        username = f"u{uuid.uuid4().hex[:12]}"
        body = {"username": username, "name": f"User {username}"}
        if scope is not None:
            body["scope"] = scope
        response = await client.post("/auth/token", json=body)
        assert response.status_code == 200, response.text
        responder.serves.add(f"local|{username}")
        return User(f"local|{username}", username, response.json()["access_token"])

    return sign
