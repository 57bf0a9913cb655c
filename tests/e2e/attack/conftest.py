"""Fixtures of the attack tier: the real stack, forged tokens, and a tap on the commands topic.

Every test here talks to the stack's gateway process over HTTP (or raw sockets on 127.0.0.1)
with the real streams worker behind it. What an attack did, or did not do, is read back from
Kafka itself: :class:`CommandTap` sees every record the gateway produced on ``commands``, so
"a refused request had no effect" is checked where effects start, not inferred from a status.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streampay_contracts import DomainModel, headers, topics
from streampay_contracts.headers import PROBLEM_CONTENT_TYPE
from streampay_gateway.auth.signing import KEY_FILE, SigningKey
from streampay_infra.stack import Stack, free_port
from tests.e2e.gateway.conftest import Person, SseStream, open_sse

ISSUER, AUDIENCE = "streampay-dev", "streampay"

# -- people ------------------------------------------------------------------------------------


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """``response`` is a problem+json of ``status`` whose ``detail`` names every word."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status, problem
    reason = f"{problem.get('title', '')} {problem.get('detail', '')}"
    assert all(word in reason for word in words), problem
    return problem


# -- forged tokens -----------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Forger:
    """Makes tokens with the gateway's own key (to vary one claim) and every bad kind of token."""

    key: SigningKey

    def claims(self, subject: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "scope": "read:users write:users read:payment-requests write:pay write:request "
            "read:activities read:balances",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            **overrides,
        }

    def sign(self, payload: dict[str, Any], **header: Any) -> str:
        return self.key.sign(payload, {"kid": self.key.kid, **header})

    @staticmethod
    def without(claims: dict[str, Any], name: str) -> dict[str, Any]:
        return {key: value for key, value in claims.items() if key != name}

    def unsigned(self, subject: str) -> str:
        header = {"alg": "none", "typ": "JWT", "kid": self.key.kid}
        body = self.claims(subject)
        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}."

    def hs256_with_public_key(self, subject: str) -> str:
        """The classic key-confusion token: HMAC keyed with the RSA public key (as JWK JSON)."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.key.kid}
        signing_input = ".".join(
            b64(json.dumps(part).encode()) for part in (header, self.claims(subject))
        )
        secret = json.dumps(self.key.public_jwk).encode()
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"

    def tampered(self, token: str, subject: str) -> str:
        """A genuine token whose payload now names ``subject``; the signature is the original."""
        head, payload, signature = token.split(".")
        claims = json.loads(unb64(payload))
        claims["sub"] = subject
        return f"{head}.{b64(json.dumps(claims).encode())}.{signature}"

    @staticmethod
    def respelled(token: str, padding: str = "") -> str:
        """``token`` with the same signature bytes spelled otherwise: ``padding`` added, or
        else stray bits set in the signature's last character (2048 bits in 342 characters
        leave 4 unused)."""
        head, payload, signature = token.split(".")
        if padding:
            return f"{head}.{payload}.{signature}{padding}"
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet.index(signature[-1])
        stray = alphabet[last | 0b0101]
        assert stray != signature[-1] and unb64(signature[:-1] + stray) == unb64(signature)
        return f"{head}.{payload}.{signature[:-1]}{stray}"

    def bad_tokens(self, subject: str, genuine: str) -> dict[str, str]:
        """Every token the gateway must refuse with 401, each aimed at ``subject``."""
        now = int(time.time())
        return {
            "alg-none": self.unsigned(subject),
            "hs256-public-key": self.hs256_with_public_key(subject),
            "expired": self.sign(self.claims(subject, iat=now - 7200, exp=now - 3600)),
            "not-yet-valid": self.sign(self.claims(subject, nbf=now + 3600, exp=now + 7200)),
            "wrong-issuer": self.sign(self.claims(subject, iss="https://evil.example/")),
            "wrong-audience": self.sign(self.claims(subject, aud="someone-else")),
            "unknown-kid": self.sign(self.claims(subject), kid="no-such-key"),
            "no-kid": self.key.sign(self.claims(subject), {}),
            "tampered-payload": self.tampered(genuine, subject),
            "no-audience": self.sign(self.without(self.claims(subject), "aud")),
            "unknown-crit": self.sign(self.claims(subject, exp_hint=1), crit=["exp_hint"]),
            "string-exp": self.sign(self.claims(subject, exp=str(now + 600))),
            "list-nbf": self.sign(self.claims(subject, nbf=[now])),
            "string-iat": self.sign(self.claims(subject, iat="now")),
            "future-iat": self.sign(self.claims(subject, iat=now + 3600)),
            "long-subject": self.sign(self.claims(subject + "x" * 200)),
            "padded-signature": self.respelled(genuine, "=="),
            "signature-stray-bits": self.respelled(genuine),
            "garbage": "garbage",
            "three-dots": "a.b.c",
            "empty-segments": "..",
        }


# -- the commands topic ------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandRecord:
    key: str
    value: dict[str, Any]
    headers: dict[str, str]

    @property
    def identity(self) -> str:
        return self.headers.get(headers.IDENTITY, "")


@dataclass
class CommandTap:
    """Every record produced on ``commands`` since the session's tap started."""

    consumer: AIOKafkaConsumer
    partitions: list[TopicPartition]
    records: list[CommandRecord] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100)
            for batch in batches.values():
                for record in batch:
                    value = json.loads(record.value) if record.value else {}
                    found = headers.from_kafka(record.headers)
                    self.records.append(CommandRecord(record.key.decode(), value, found))

    async def sync(self, within: float = 15) -> None:
        """Wait until the tap has read everything on the topic now (so absence means absent).

        The gateway answers a command only after the broker acknowledged it (acks=all), so
        the end offsets taken after a response include anything that request produced.
        """
        ends = await self.consumer.end_offsets(self.partitions)
        deadline = time.monotonic() + within
        while not await self._reached(ends):
            assert time.monotonic() < deadline, "the commands tap did not catch up"
            await asyncio.sleep(0.05)

    async def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        for tp, end in ends.items():
            if await self.consumer.position(tp) < end:
                return False
        return True

    def involving(self, *user_ids: str) -> list[CommandRecord]:
        """Records keyed by, attributed to, or naming any of ``user_ids`` anywhere; not the
        profiles the tests' users save for themselves when they sign in."""
        return [
            r
            for r in self.records
            if r.headers.get(headers.DOMAIN_MODEL) != DomainModel.PROFILE
            and (
                r.key in user_ids
                or r.identity in user_ids
                or any(u in json.dumps(r.value) for u in user_ids)
            )
        ]


# -- the gateway over HTTP ---------------------------------------------------------------------


@dataclass
class Gateway:
    base_url: str
    client: httpx.AsyncClient
    tap: CommandTap
    forger: Forger
    pid: int
    metrics_url: str

    async def metrics(self) -> str:
        """The gateway's Prometheus metrics (served on a port of their own)."""
        async with httpx.AsyncClient(timeout=10) as client:
            return (await client.get(self.metrics_url)).text

    async def person(self, scope: str | None = None, profile: bool = True) -> Person:
        """A new user, signed in; with ``profile`` also in ``users`` (granting 100.00)."""
        username = f"a{uuid.uuid4().hex[:12]}"
        body = {"username": username, "name": f"Attack {username}"}
        if scope is not None:
            body["scope"] = scope
        response = await self.client.post("/auth/token", json=body)
        assert response.status_code == 200, response.text
        someone = Person(f"local|{username}", username, response.json()["access_token"])
        if profile:
            saved = await self.client.put(
                "/current-user",
                json={"name": body["name"], "username": username},
                headers=someone.auth,
            )
            assert saved.status_code == 204, saved.text
        return someone

    async def pay(self, payer: Person, body: dict[str, Any], **extra: str) -> httpx.Response:
        hdrs = {**payer.auth, "Prefer": "wait=20", "Idempotency-Key": uuid.uuid4().hex, **extra}
        response = await self.client.post("/pay", json=body, headers=hdrs)
        assert response.status_code != 202, "the streams worker did not answer within 20 s"
        return response

    async def request_money(
        self, requester: Person, body: dict[str, Any], **extra: str
    ) -> httpx.Response:
        hdrs = {**requester.auth, "Prefer": "wait=20", **extra}
        response = await self.client.post("/request", json=body, headers=hdrs)
        assert response.status_code != 202, "the streams worker did not answer within 20 s"
        return response

    @asynccontextmanager
    async def sse(
        self, path: str, token: str | None = None, **extra: str
    ) -> AsyncIterator[SseStream]:
        async with open_sse(self.base_url, path, token, extra) as stream:
            yield stream

    async def snapshot(self, path: str, who: Person, **extra: str) -> list[dict[str, Any]]:
        """The data of every event a fresh stream sends before ``ready``."""
        async with self.sse(path, who.token, **extra) as stream:
            events = await stream.until("ready", within=15)
        return [json.loads(e.data) for e in events[:-1]]

    async def balance(self, who: Person, within: float = 20) -> dict[str, Any]:
        """The caller's balance record, waiting for the sign-up grant if it is not there yet."""
        async with self.sse("/current-balance", who.token) as stream:
            events = await stream.until("ready", within=15)
            data = [json.loads(e.data) for e in events if e.event == "message"]
            while not data:
                event = await stream.next(within)
                if event.event == "message":
                    data.append(json.loads(event.data))
        found: dict[str, Any] = data[-1]
        return found

    async def healthy(self) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200

    def rss_kib(self) -> int:
        """The gateway process's resident memory."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def open_fds(self) -> int:
        return len(list(Path(f"/proc/{self.pid}/fd").iterdir()))

    async def fds_once(self, holds: Callable[[int], bool], within: float = 10) -> int:
        """The gateway's open file count once ``holds(count)``, or the last count after
        ``within`` s (the caller asserts on it)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            count = self.open_fds()
            if holds(count) or asyncio.get_running_loop().time() >= deadline:
                return count
            await asyncio.sleep(0.1)

    async def read_once_there(self, path: str, who: Person, within: float = 15) -> Any:
        """GET ``path`` as ``who`` until it answers 200 (views fill a moment after a command)."""
        deadline = asyncio.get_running_loop().time() + within
        while (response := await self.client.get(path, headers=who.auth)).status_code != 200:
            assert asyncio.get_running_loop().time() < deadline, response.text
            await asyncio.sleep(0.1)
        return response.json()


def amount(value: Any) -> Decimal:
    return Decimal(str(value))


@contextmanager
def another_gateway(services: Stack, name: str, env: dict[str, str]) -> Iterator[str]:
    """One more gateway process of the stack with settings of its own (limits a test can
    reach, a web app), on free ports; its base URL while the block runs."""
    port = free_port()
    settings = {"GATEWAY_PORT": str(port), "GATEWAY_METRICS_PORT": str(free_port()), **env}
    services.start_replica("gateway", name, settings)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        services.stop_service(name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def command_tap(services: Stack) -> AsyncIterator[CommandTap]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=services.config.bootstrap_servers, fetch_max_wait_ms=20
    )
    await consumer.start()
    numbers = consumer.partitions_for_topic(topics.COMMANDS)
    if not numbers:
        cluster = await consumer._client.fetch_all_metadata()
        numbers = cluster.partitions_for_topic(topics.COMMANDS) or set()
    partitions = [TopicPartition(topics.COMMANDS, n) for n in sorted(numbers)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:
        await consumer.position(tp)
    tap = CommandTap(consumer, partitions)
    tap.task = asyncio.create_task(tap.run())
    yield tap
    tap.task.cancel()
    with suppress(asyncio.CancelledError):
        await tap.task
    await consumer.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gateway(services: Stack, command_tap: CommandTap) -> AsyncIterator[Gateway]:
    record = services.supervisor.record("gateway")
    assert record is not None, "the gateway is not running"
    key = SigningKey.load_or_create(services.config.data_dir / "gateway")
    assert (services.config.data_dir / "gateway" / KEY_FILE).exists()
    base = services.config.gateway_url
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        forger, metrics = Forger(key), services.config.metrics_url
        yield Gateway(base, client, command_tap, forger, record.pid, metrics)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def view_producer(services: Stack) -> AsyncIterator[AIOKafkaProducer]:
    """Writes view records straight to their topics (records the worker would write)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=services.config.bootstrap_servers, acks="all", linger_ms=5
    )
    await producer.start()
    yield producer
    await producer.stop()
