"""Virtual users reach StreamPay exactly as a browser does: through the gateway's HTTP API.

They sign in with the development identity provider, register with `PUT /current-user`, and
send their payments, requests and declines with their own tokens and a fresh idempotency key
per command, so they are validated and debited like anyone else. A command interrupted by a
network error is retried with the same key: the gateway answers a retry, it never applies it
twice. Requests and answers are those of the API's typed client
(:mod:`streampay_contracts.client`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
from httpx_sse import aconnect_sse
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from streampay_contracts import (
    Command,
    DeclineRequestCommand,
    PayCommand,
    PaymentRequest,
    RequestCommand,
    User,
    UserProfile,
    Visibility,
    codec,
)
from streampay_contracts.client import ApiClient, Session, bearer
from streampay_simulation.stats import Outcome

__all__ = ["GatewayClient", "Session"]


class GatewayClient:
    def __init__(self, client: httpx.AsyncClient, reply_timeout_s: float) -> None:
        self._http = client
        self._api = ApiClient(client)
        self._reply_timeout_s = reply_timeout_s

    async def sign_in(self, username: str, name: str, scope: str | None = None) -> Session:
        return await self._api.sign_in(UserProfile(name=name, username=username), scope)

    async def register(self, session: Session) -> None:
        """Upsert the user's profile on `users` (the gateway keys it by the token's subject)."""
        (await self._api.save_profile(session)).raise_for_status()

    async def users(self, session: Session) -> list[User]:
        return await self._api.users(session)

    async def open_requests(self, session: Session) -> list[PaymentRequest]:
        """Open payment requests addressed to this user."""
        return await self._api.open_requests(session)

    async def follow_requests(
        self, session: Session, last_event_id: str | None
    ) -> AsyncIterator[tuple[str | None, PaymentRequest | str]]:
        """The live view of the open requests addressed to this user (``GET /payment-requests``,
        SSE), from ``last_event_id`` on: each event's id, with the request, or the id of a
        request that left the view. Ends when the server ends the stream (at token expiry)."""
        headers = {**bearer(session.token), "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(30, read=None)  # heartbeats come every 15 s
        async with aconnect_sse(
            self._http, "GET", "/payment-requests", headers=headers, timeout=timeout
        ) as source:
            source.response.raise_for_status()
            async for event in source.aiter_sse():
                if event.event == "message":
                    yield event.id or None, PaymentRequest.model_validate(codec.loads(event.data))
                elif event.event == "delete":
                    yield event.id or None, str(codec.loads(event.data)["key"])

    async def pay(
        self,
        session: Session,
        payee: str,
        amount: Decimal,
        notes: str,
        request_id: str | None = None,
        *,
        public: bool = False,
    ) -> Outcome:
        visibility = Visibility.PUBLIC if public else Visibility.PRIVATE
        command = PayCommand(
            user_id=payee, amount=amount, notes=notes, request_id=request_id, visibility=visibility
        )
        return await self._command(session, command)

    async def request(self, session: Session, payer: str, amount: Decimal, notes: str) -> Outcome:
        return await self._command(
            session, RequestCommand(user_id=payer, amount=amount, notes=notes)
        )

    async def decline(self, session: Session, request_id: str, reason: str) -> Outcome:
        command = DeclineRequestCommand(request_id=request_id, reason=reason)
        return await self._command(session, command)

    async def _command(self, session: Session, command: Command) -> Outcome:
        key = str(uuid.uuid4())
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(httpx.TransportError),
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=0.2, max=2),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                answer = await self._api.send(session, command, key)
        answer = await self._api.until_replied(session, answer, self._reply_timeout_s)
        name = type(command).__name__
        if answer.status == 202:
            return Outcome(name, 504, "no reply within the simulation's timeout")
        return Outcome(name, answer.status, answer.detail)
