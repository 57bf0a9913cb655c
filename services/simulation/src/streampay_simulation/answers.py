"""Virtual users answer the requests addressed to them as they arrive, by following them live.

Each virtual user keeps its live view of open requests (``GET /payment-requests``, SSE) open,
as the web app does, and answers each request it shows: pays it when the money is there,
declines it when it is not. Nothing is polled: the gateway pushes a request the moment it
opens. A stream that ends (its token expired) or breaks is opened again, with a fresh token,
from the last event received; a request already answered is not answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import structlog

from streampay_contracts import PaymentRequest
from streampay_simulation.world import World

log = structlog.get_logger(__name__)

RETRY_S = 1.0


async def answer(world: World, user_id: str, request: PaymentRequest) -> None:
    """Pay ``request`` as ``user_id``; decline it when the money is not there."""
    session = await world.session(user_id)
    notes = f"Paying: {request.notes}"[:500]
    paid = await world.gateway.pay(
        session, request.from_user_id, request.amount, notes, request_id=request.id
    )
    world.stats.record(paid)
    log.info(
        "request answered",
        payer=user_id,
        requester=request.from_user_id,
        amount=str(request.amount),
        status=paid.status,
    )
    if paid.status == 409:  # not enough money (or already closed meanwhile)
        declined = await world.gateway.decline(session, request.id, "Not enough money")
        world.stats.record(declined)
        log.info("request declined", payer=user_id, request=request.id, status=declined.status)


class RequestFollowers:
    """One task per virtual user, following its requests until stopped."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def follow(self, user_id: str) -> None:
        if user_id not in self._tasks:
            self._tasks[user_id] = asyncio.create_task(self._follow(user_id), name=user_id)

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()

    async def _follow(self, user_id: str) -> None:
        last_id: str | None = None
        answered: set[str] = set()
        while True:
            try:
                session = await self._world.session(user_id)
                async for event_id, item in self._world.gateway.follow_requests(session, last_id):
                    last_id = event_id or last_id
                    if isinstance(item, str):  # closed: it will not come again
                        answered.discard(item)
                    elif item.id not in answered:
                        answered.add(item.id)
                        await answer(self._world, user_id, item)
            except httpx.HTTPStatusError as error:
                if error.response.status_code == 400:
                    last_id = None  # the gateway cannot resume from there: start afresh
                log.warning(
                    "requests stream refused", user=user_id, status=error.response.status_code
                )
            except (httpx.TransportError, OSError) as error:
                log.warning("requests stream broken", user=user_id, error=str(error))
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(RETRY_S)
