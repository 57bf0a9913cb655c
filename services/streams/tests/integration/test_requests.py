"""Payment requests through Kafka: made, paid, declined and cancelled, each answered once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    ActivityEvent,
    CancelRequestCommand,
    DeclineRequestCommand,
    PayCommand,
    PaymentRequest,
    RequestCommand,
    RequestReply,
    RequestStatus,
)

pytestmark = pytest.mark.integration


async def requested(bus: Any, amount: str = "40.00") -> tuple[str, str, str]:
    """Carol asks Alice for ``amount``: (alice, carol, request id)."""
    alice, carol = await bus.user("alice"), await bus.user("carol")
    ask = RequestCommand(user_id=alice, amount=Decimal(amount), notes="rent")
    reply = await bus.reply(await bus.send(ask, carol))
    assert reply.status == 201
    return alice, carol, reply.value(RequestReply).id


def statuses(bus: Any, request_id: str) -> list[RequestStatus | None]:
    return [None if r is None else r.status for r in bus.requests[request_id]]


def request_events(bus: Any, request_id: str) -> set[ActivityEvent]:
    """What the feed says happened to the request, so far."""
    return {a.event_name for _, a in bus.activities if a.request_id == request_id and a.status}


async def test_a_request_is_published_for_the_payer_and_paying_it_closes_it(bus: Any) -> None:
    alice, carol, request_id = await requested(bus)
    await bus.until(lambda: statuses(bus, request_id) == [RequestStatus.PENDING], 20, "the request")
    pending = bus.requests[request_id][0]
    assert (pending.from_user_id, pending.to_user_id, pending.amount) == (carol, alice, Decimal(40))
    assert bus.request_identity[request_id] == {alice}

    settle = PayCommand(user_id=carol, amount=Decimal(40), request_id=request_id)
    assert (await bus.reply(await bus.send(settle, alice))).status == 200
    closed = [RequestStatus.PENDING, RequestStatus.PAID, None]
    await bus.until(lambda: statuses(bus, request_id) == closed, 20, "the paid request's tombstone")
    await bus.until(lambda: bus.balance(carol).balance == Decimal("140.00"), 20, "carol's credit")

    again = await bus.reply(await bus.send(settle, alice))
    assert again.status == 409
    assert again.problem.detail == f"Request {request_id} is no longer open: it was paid"
    # Each view follows on its own: nothing orders Alice's after Carol's.
    await bus.until(lambda: bus.balance(alice).balance == Decimal("60.00"), 20, "alice's debit")
    paid = {ActivityEvent.PAYMENT_REQUESTED, ActivityEvent.PAYMENT_REQUEST_PAID}
    await bus.until(lambda: request_events(bus, request_id) == paid, 20, "the request's feed")


async def test_the_payer_declines(bus: Any) -> None:
    alice, _, request_id = await requested(bus)
    reply = await bus.reply(await bus.send(DeclineRequestCommand(request_id=request_id), alice))
    assert reply.status == 200
    assert reply.value(PaymentRequest).status is RequestStatus.DECLINED
    closed = [RequestStatus.PENDING, RequestStatus.DECLINED, None]
    await bus.until(lambda: statuses(bus, request_id) == closed, 20, "the declined request")


async def test_the_requester_cancels_and_cannot_cancel_twice(bus: Any) -> None:
    alice, carol, request_id = await requested(bus)
    cancel = CancelRequestCommand(request_id=request_id)
    reply = await bus.reply(await bus.send(cancel, carol))
    assert reply.status == 200
    assert reply.value(PaymentRequest).status is RequestStatus.CANCELLED
    closed = [RequestStatus.PENDING, RequestStatus.CANCELLED, None]
    await bus.until(lambda: statuses(bus, request_id) == closed, 20, "the cancelled request")

    later = await bus.reply(await bus.send(cancel, carol))
    assert later.status == 409
    settle = PayCommand(user_id=carol, amount=Decimal(40), request_id=request_id)
    assert (await bus.reply(await bus.send(settle, alice))).status == 409


async def test_nobody_else_can_decline_or_cancel(bus: Any) -> None:
    _, _, request_id = await requested(bus)
    mallory = await bus.user("mallory")
    for command in (
        DeclineRequestCommand(request_id=request_id),
        CancelRequestCommand(request_id=request_id),
    ):
        assert (await bus.reply(await bus.send(command, mallory))).status == 404


async def test_a_request_to_nobody_is_404(bus: Any) -> None:
    carol = await bus.user("carol")
    ask = RequestCommand(user_id="local|nobody-at-all", amount=Decimal(1))
    assert (await bus.reply(await bus.send(ask, carol))).status == 404
