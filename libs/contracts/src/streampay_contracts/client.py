"""The typed client of StreamPay's HTTP API, as a program (not a browser) uses it.

Requests are built from the contracts' own models and encoded by the codec, so amounts travel as
exact decimals (``25.50``), never floats; answers are read back into the same models. One place
knows each route's method and path, the headers a command needs (``Authorization``,
``Idempotency-Key``) and what an answer's headers mean (``Location`` of an accepted command,
``Idempotent-Replayed``, ``Retry-After``).

:class:`ApiClient` sends them with httpx. A load generator that keeps thousands of requests in
flight from one process sends the same :class:`Call` with its own HTTP library and reads the
response with :meth:`Answer.of`: the shapes stay here either way.

A command is sent with an idempotency key; sending it again with the same key (after a broken
connection, a 5xx, a ``202 Accepted`` or a ``409`` with ``Retry-After``: see
:attr:`Answer.final`) is answered, never applied twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from streampay_contracts import codec
from streampay_contracts.commands import (
    CancelRequestCommand,
    Command,
    DeclineRequestCommand,
    PayCommand,
    RequestCommand,
    UserProfile,
)
from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_contracts.replies import Problem
from streampay_contracts.views import PaymentRequest, User

M = TypeVar("M", bound=BaseModel)

RENEW_BEFORE_S = 60
"""A session is renewed this long before its token expires."""

_USERS = TypeAdapter(list[User])
_REQUESTS = TypeAdapter(list[PaymentRequest])


@dataclass(frozen=True)
class Call:
    """One request to the API, ready for any HTTP library: relative ``path``, ``content`` as
    bytes."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None

    def again(self, key: str | None = None) -> Call:
        """The same command as a new one: another idempotency key (a new one if None)."""
        fresh = key if key is not None else uuid.uuid4().hex
        return replace(self, headers={**self.headers, "Idempotency-Key": fresh})


@dataclass(frozen=True)
class Answer:
    """What the API answered: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def of(cls, status: int, headers: Mapping[str, str], body: bytes) -> Answer:
        return cls(status, {name.lower(): value for name, value in headers.items()}, body)

    @property
    def location(self) -> str | None:
        """Where the command's reply is (``Location`` of a 202, ``Content-Location`` of a
        final answer)."""
        return self.headers.get("location") or self.headers.get("content-location")

    @property
    def correlation_id(self) -> str | None:
        location = self.location
        return location.rsplit("/", 1)[-1] if location else None

    @property
    def replayed(self) -> bool:
        """The answer to an earlier send with the same idempotency key."""
        return self.headers.get("idempotent-replayed") == "true"

    @property
    def retry_after(self) -> bool:
        return "retry-after" in self.headers

    @property
    def final(self) -> bool:
        """An answer to the command itself; otherwise ask again with the same key."""
        transient = self.status == 202 or self.status >= 500
        return not (transient or (self.status == 409 and self.retry_after))

    def value(self, model: type[M]) -> M:
        return codec.decode(self.body, model)

    @property
    def problem(self) -> Problem | None:
        """The problem+json of an error answer; None for a success or an unreadable body."""
        if self.status < 400:
            return None
        try:
            return codec.decode(self.body, Problem)
        except ValueError:
            return None

    @property
    def detail(self) -> str:
        """Why an error answer refused, in words; empty for a success."""
        if self.status < 400:
            return ""
        problem = self.problem
        if problem is not None:
            return problem.detail or problem.title
        return self.body[:200].decode(errors="replace")

    def raise_for_status(self) -> Answer:
        if self.status >= 400:
            raise ApiError(self)
        return self


class ApiError(Exception):
    """An error answer where the caller needed a success."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(f"{answer.status}: {answer.detail}")
        self.answer = answer


@dataclass(frozen=True)
class Session:
    """A signed-in user: who, the bearer token, and when it expires (epoch seconds)."""

    user_id: str
    username: str
    name: str
    token: str
    expires_at: float

    @property
    def expiring(self) -> bool:
        return time.time() > self.expires_at - RENEW_BEFORE_S


# -- requests ---------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


JSON_BODY = {"Content-Type": JSON_CONTENT_TYPE}


def sign_in_call(profile: UserProfile, scope: str | None = None) -> Call:
    """``POST /auth/token`` of the development identity provider (all scopes unless
    ``scope``)."""
    body = codec.loads(codec.encode(profile))
    if scope is not None:
        body["scope"] = scope
    content = codec.dumps(body)
    return Call("POST", "/auth/token", JSON_BODY, content)


def profile_call(token: str, profile: UserProfile) -> Call:
    """``PUT /current-user``: create or update the caller's profile (204)."""
    return Call("PUT", "/current-user", {**bearer(token), **JSON_BODY}, codec.encode(profile))


def command_path(command: Command) -> str:
    """The route that takes ``command``."""
    if isinstance(command, PayCommand):
        return "/pay"
    if isinstance(command, RequestCommand):
        return "/request"
    if isinstance(command, DeclineRequestCommand):
        return f"/payment-requests/{command.request_id}/decline"
    if isinstance(command, CancelRequestCommand):
        return f"/payment-requests/{command.request_id}/cancel"
    raise ValueError(f"no route takes a {type(command).__name__} (only a trusted service sends it)")


def command_body(command: Command) -> bytes:
    """The body of ``command``'s route: the command itself, or for a decline or a cancel, what
    the path does not already say."""
    if isinstance(command, DeclineRequestCommand):
        return codec.dumps({"reason": command.reason})
    if isinstance(command, CancelRequestCommand):
        return b"{}"
    return codec.encode(command)


def command_call(token: str, command: Command, key: str | None = None) -> Call:
    """The request that sends ``command`` with idempotency key ``key`` (a new one if None)."""
    headers = {
        **bearer(token),
        **JSON_BODY,
        "Idempotency-Key": key if key is not None else uuid.uuid4().hex,
    }
    return Call("POST", command_path(command), headers, command_body(command))


def reply_call(token: str, location: str, wait_s: int = 5) -> Call:
    """``GET`` an accepted command's reply, held up to ``wait_s`` until it exists."""
    return Call("GET", location, {**bearer(token), "Prefer": f"wait={wait_s}"})


def read_call(token: str, path: str) -> Call:
    return Call("GET", path, bearer(token))


def session_of(answer: Answer, profile: UserProfile) -> Session:
    """The session a successful sign-in answer grants (``access_token``, ``expires_in``)."""
    grant = codec.loads(answer.raise_for_status().body)
    return Session(
        user_id=f"local|{profile.username}",
        username=profile.username,
        name=profile.name,
        token=str(grant["access_token"]),
        expires_at=time.time() + float(grant["expires_in"]),
    )


# -- the client -------------------------------------------------------------------------------


class ApiClient:
    """The API over httpx: ``http`` carries the base URL, timeouts and connection limits."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def call(self, call: Call) -> Answer:
        response = await self.http.request(
            call.method, call.path, headers=call.headers, content=call.content
        )
        return Answer.of(response.status_code, response.headers, response.content)

    async def sign_in(self, profile: UserProfile, scope: str | None = None) -> Session:
        return session_of(await self.call(sign_in_call(profile, scope)), profile)

    async def save_profile(self, session: Session) -> Answer:
        """Create or update the signed-in user's profile (204)."""
        profile = UserProfile(name=session.name, username=session.username)
        return await self.call(profile_call(session.token, profile))

    async def users(self, session: Session) -> list[User]:
        answer = (await self.call(read_call(session.token, "/users"))).raise_for_status()
        return _USERS.validate_python(codec.loads(answer.body))

    async def open_requests(self, session: Session) -> list[PaymentRequest]:
        """Open payment requests addressed to the signed-in user."""
        call = read_call(session.token, "/current-payment-requests")
        answer = (await self.call(call)).raise_for_status()
        return _REQUESTS.validate_python(codec.loads(answer.body))

    async def send(self, session: Session, command: Command, key: str | None = None) -> Answer:
        """One send of ``command``; its answer may be a ``202`` (see :meth:`until_replied`)."""
        return await self.call(command_call(session.token, command, key))

    async def until_replied(self, session: Session, answer: Answer, timeout_s: float) -> Answer:
        """The reply to an accepted (202) command, asked for at its ``Location`` until it exists
        or ``timeout_s`` passes (then the last 202); any other answer as it is."""
        deadline = time.monotonic() + timeout_s
        while answer.status == 202 and answer.location and time.monotonic() < deadline:
            answer = await self.call(reply_call(session.token, answer.location))
        return answer
