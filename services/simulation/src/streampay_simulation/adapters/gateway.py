"""Virtual users reach StreamPay exactly as a browser does: through the gateway's HTTP API.

They sign in with the development identity provider, register with `PUT /current-user`, and
send their payments, requests and declines with their own tokens and a fresh idempotency key
per command, so they are validated and debited like anyone else. A command interrupted by a
network error is retried with the same key: the gateway answers a retry, it never applies it
twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from streampay_contracts import PaymentRequest, User, codec
from streampay_simulation.stats import Outcome

_RENEW_BEFORE_S = 60


@dataclass
class Session:
    """A signed-in user: the token and when it must be renewed."""

    user_id: str
    username: str
    name: str
    token: str
    expires_at: float

    @property
    def expiring(self) -> bool:
        return time.time() > self.expires_at - _RENEW_BEFORE_S


class GatewayClient:
    def __init__(self, client: httpx.AsyncClient, reply_timeout_s: float) -> None:
        self._http = client
        self._reply_timeout_s = reply_timeout_s

    async def sign_in(self, username: str, name: str, scope: str | None = None) -> Session:
        body: dict[str, str] = {"username": username, "name": name}
        if scope:
            body["scope"] = scope
        response = await self._http.post("/auth/token", json=body)
        response.raise_for_status()
        grant = response.json()
        return Session(
            user_id=f"local|{username}",
            username=username,
            name=name,
            token=grant["access_token"],
            expires_at=time.time() + float(grant["expires_in"]),
        )

    async def register(self, session: Session) -> None:
        """Upsert the user's profile on `users` (the gateway keys it by the token's subject)."""
        body = {"name": session.name, "username": session.username}
        response = await self._http.put("/current-user", json=body, headers=_auth(session))
        response.raise_for_status()

    async def users(self, session: Session) -> list[User]:
        response = await self._http.get("/users", headers=_auth(session))
        response.raise_for_status()
        return [User.model_validate(u) for u in codec.loads(response.content)]

    async def open_requests(self, session: Session) -> list[PaymentRequest]:
        """Open payment requests addressed to this user."""
        response = await self._http.get("/current-payment-requests", headers=_auth(session))
        response.raise_for_status()
        return [PaymentRequest.model_validate(r) for r in codec.loads(response.content)]

    async def follow_requests(
        self, session: Session, last_event_id: str | None
    ) -> AsyncIterator[tuple[str | None, PaymentRequest | str]]:
        """The live view of the open requests addressed to this user (``GET /payment-requests``,
        SSE), from ``last_event_id`` on: each event's id, with the request, or the id of a
        request that left the view. Ends when the server ends the stream (at token expiry)."""
        headers = {**_auth(session), "Accept": "text/event-stream"}
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
    ) -> Outcome:
        body: dict[str, Any] = {"userId": payee, "amount": amount, "notes": notes}
        if request_id is not None:
            body["requestId"] = request_id
        return await self._command(session, "PayCommand", "/pay", body)

    async def request(self, session: Session, payer: str, amount: Decimal, notes: str) -> Outcome:
        body = {"userId": payer, "amount": amount, "notes": notes}
        return await self._command(session, "RequestCommand", "/request", body)

    async def decline(self, session: Session, request_id: str, reason: str) -> Outcome:
        path = f"/payment-requests/{request_id}/decline"
        return await self._command(session, "DeclineRequestCommand", path, {"reason": reason})

    async def _command(
        self, session: Session, command: str, path: str, body: dict[str, Any]
    ) -> Outcome:
        headers = {
            **_auth(session),
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        }
        content = codec.dumps(body)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(httpx.TransportError),
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=0.2, max=2),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                response = await self._http.post(path, content=content, headers=headers)
        if response.status_code == 202:
            response = await self._await_reply(session, response.headers["location"])
        return Outcome(command, response.status_code, _detail(response))

    async def _await_reply(self, session: Session, location: str) -> httpx.Response:
        """Poll the `Location` of an accepted command until its reply exists."""
        deadline = time.monotonic() + self._reply_timeout_s
        headers = {**_auth(session), "Prefer": "wait=5"}
        while time.monotonic() < deadline:
            response = await self._http.get(location, headers=headers)
            if response.status_code != 202:
                return response
        return httpx.Response(504, json={"detail": "no reply within the simulation's timeout"})


def _auth(session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {session.token}"}


def _detail(response: httpx.Response) -> str:
    if response.status_code < 400:
        return ""
    try:
        return str(codec.loads(response.content).get("detail", ""))
    except (ValueError, AttributeError):
        return response.text[:200]
