"""A steady mixed load over HTTP, sent the way a careful client sends it.

Users pay each other, ask each other for money, pay and decline the requests addressed to them.
Every command has its own `Idempotency-Key`; until it has a final answer it is sent again with
the same key (on a broken connection, a 5xx or 503, a `202 Accepted`, or a 409 "still in
progress"), after a short back-off, moving to another gateway when one does not answer. Every
HTTP answer is kept, so the checks can hold each key to one answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp

from streampay_contracts import Command as ApiCommand
from streampay_contracts import DeclineRequestCommand, PayCommand, RequestCommand, UserProfile
from streampay_contracts.client import Answer as ApiAnswer
from streampay_contracts.client import Call, command_call, profile_call, session_of, sign_in_call
from streampay_contracts.replies import RequestReply

RETRY_FOR_S = 240.0
"""How long a command is retried before the client gives up (counted as lost)."""
ATTEMPT_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Member:
    user_id: str
    token: str


@dataclass(frozen=True)
class Answer(ApiAnswer):
    """One HTTP answer to a command, and the gateway that gave it."""

    gateway: str = ""


@dataclass
class Command:
    """One intended command and every answer it got."""

    kind: str
    """pay, request, pay-request or decline."""
    actor: Member
    sent: ApiCommand
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    cid: str | None = None
    answers: list[Answer] = field(default_factory=list)
    copies: int = 1
    """How many times it is sent at once (each copy retried on its own)."""
    attempts: int = 0
    errors: int = 0
    """Attempts that got no HTTP answer at all (connection refused or broken, timed out)."""
    final: Answer | None = None

    @property
    def retried(self) -> bool:
        return self.attempts > self.copies


@dataclass
class Load:
    """Commands at a steady rate over `gateways`; each is sent `copies` times at once, on
    different gateways when there are enough (a duplicate storm when > 1)."""

    urls: dict[str, str]
    """Gateway name → base URL."""
    members: list[Member]
    rng: random.Random
    copies: int = 1
    commands: list[Command] = field(default_factory=list)
    open_requests: dict[str, list[str]] = field(default_factory=dict)
    """Payer id → ids of the open requests addressed to them (learnt from 201 answers)."""
    _request_payments: dict[str, PayCommand] = field(default_factory=dict)
    """Request id → the payment that settles it."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def run(self, http: aiohttp.ClientSession, rate: float, seconds: float) -> None:
        """Start `rate` commands a second for `seconds` (open loop); return when all are sent."""
        started = time.monotonic()
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            command = self._next()
            command.copies = self.copies
            self.commands.append(command)
            self._tasks.append(asyncio.create_task(self._deliver(http, command)))

    async def settle(self) -> None:
        """Wait for every command to have its final answer (or to be given up)."""
        await asyncio.gather(*self._tasks)

    # -- what to send ----------------------------------------------------------------------

    def _next(self) -> Command:
        actor = self.rng.choice(self.members)
        roll = self.rng.random()
        waiting = self.open_requests.get(actor.user_id, [])
        if roll < 0.15 and waiting:
            request_id = waiting.pop(0)
            return Command("pay-request", actor, self._payment(actor, request_id))
        if roll < 0.20 and waiting:
            decline = DeclineRequestCommand(request_id=waiting.pop(0), reason="not now")
            return Command("decline", actor, decline)
        if roll < 0.40:
            other = self._other(actor)
            asked = RequestCommand(user_id=other.user_id, amount=self._amount(), notes="faults")
            return Command("request", actor, asked)
        return Command("pay", actor, self._payment(actor, None))

    def _other(self, actor: Member) -> Member:
        return self.rng.choice([m for m in self.members if m is not actor])

    def _amount(self) -> Decimal:
        return Decimal(self.rng.randint(1, 1500)) / 100

    def _payment(self, actor: Member, request_id: str | None) -> PayCommand:
        if request_id is not None:  # exactly what the request asks for
            return self._request_payments[request_id]
        other = self._other(actor)
        return PayCommand(user_id=other.user_id, amount=self._amount(), notes="faults")

    # -- sending -----------------------------------------------------------------------------

    async def _deliver(self, http: aiohttp.ClientSession, command: Command) -> None:
        names = list(self.urls)
        first = self.rng.randrange(len(names))
        copies = [names[(first + n) % len(names)] for n in range(self.copies)]
        await asyncio.gather(*(self._until_final(http, command, name) for name in copies))
        if command.final is not None and command.kind == "request":
            self._learn_request(command)

    async def _until_final(self, http: aiohttp.ClientSession, command: Command, name: str) -> None:
        names = list(self.urls)
        deadline = time.monotonic() + RETRY_FOR_S
        backoff = 0.2
        while time.monotonic() < deadline:
            command.attempts += 1
            answer = await self._attempt(http, command, name)
            if answer is None:  # no HTTP answer: try another gateway
                command.errors += 1
                name = names[(names.index(name) + 1) % len(names)]
            else:
                command.answers.append(answer)
                if answer.final:
                    if command.final is None:
                        command.final = answer
                    return
            await asyncio.sleep(backoff * (0.5 + self.rng.random()))
            backoff = min(backoff * 2, 2.0)

    async def _attempt(
        self, http: aiohttp.ClientSession, command: Command, name: str
    ) -> Answer | None:
        call = command_call(command.actor.token, command.sent, command.key)
        timeout = aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT_S)
        url = self.urls[name] + call.path
        try:
            async with http.request(
                call.method, url, data=call.content, headers=call.headers, timeout=timeout
            ) as r:
                answer = Answer.of(r.status, r.headers, await r.read())
        except (aiohttp.ClientError, TimeoutError, ConnectionError):
            return None
        if answer.correlation_id and command.cid is None:
            command.cid = answer.correlation_id
        return Answer(answer.status, answer.headers, answer.body, gateway=name)

    def _learn_request(self, command: Command) -> None:
        final = command.final
        if final is None or final.status != 201:
            return
        request_id = final.value(RequestReply).id
        asked = command.sent
        assert isinstance(asked, RequestCommand)
        self._request_payments[request_id] = PayCommand(
            user_id=command.actor.user_id, amount=asked.amount, request_id=request_id
        )
        self.open_requests.setdefault(asked.user_id, []).append(request_id)


async def sign_in(http: aiohttp.ClientSession, url: str, username: str) -> Member:
    """A new user: a token, and the profile that grants the starting balance."""
    profile = UserProfile(username=username, name=username.title())
    session = session_of(await _send(http, url, sign_in_call(profile)), profile)
    for _ in range(60):
        with contextlib.suppress(aiohttp.ClientError):
            if (await _send(http, url, profile_call(session.token, profile))).status == 204:
                return Member(session.user_id, session.token)
        await asyncio.sleep(0.5)
    raise RuntimeError(f"could not save the profile of {username}")


async def _send(http: aiohttp.ClientSession, url: str, call: Call) -> ApiAnswer:
    async with http.request(
        call.method, url + call.path, data=call.content, headers=call.headers
    ) as response:
        return ApiAnswer.of(response.status, response.headers, await response.read())


def outcome_counts(commands: list[Command]) -> dict[str, Any]:
    """How the load went: commands, final statuses, retries, and what never got an answer."""
    finals: dict[str, int] = {}
    for command in commands:
        status = str(command.final.status) if command.final else "none"
        finals[status] = finals.get(status, 0) + 1
    kinds: dict[str, int] = {}
    for command in commands:
        kinds[command.kind] = kinds.get(command.kind, 0) + 1
    return {
        "commands": len(commands),
        "by_kind": kinds,
        "final_status": dict(sorted(finals.items())),
        "accepted": sum(1 for c in commands if c.final and c.final.status < 300),
        "refused": sum(1 for c in commands if c.final and c.final.status >= 400),
        "retried": sum(1 for c in commands if c.retried),
        "attempts": sum(c.attempts for c in commands),
        "no_http_answer": sum(c.errors for c in commands),
        "replayed_answers": sum(1 for c in commands for a in c.answers if a.replayed),
        "unanswered": sum(1 for c in commands if c.final is None),
    }
