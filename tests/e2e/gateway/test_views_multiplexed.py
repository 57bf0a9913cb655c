"""Several views on one connection, and resuming it across a gateway restart."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from streampay_contracts import Balance, PaymentRequest, encode, loads, topics
from streampay_infra.stack import Stack
from tests.e2e.gateway.conftest import LiveKit, SseEvent

pytestmark = pytest.mark.e2e

VIEWS = "/streams?views=payment-requests,current-balance,balance-histories"


def balance(amount: str, version: int) -> Balance:
    return Balance(balance=Decimal(amount), timestamp=int(time.time() * 1000), version=version)


def request_to(payer: str) -> PaymentRequest:
    return PaymentRequest(
        id=str(uuid.uuid4()),
        from_user_id="local|someone",
        from_user_name="Someone",
        to_user_id=payer,
        to_user_name="Payer",
        amount=Decimal("3.00"),
        timestamp=int(time.time() * 1000),
    )


def seen(events: list[SseEvent]) -> list[tuple[str, str]]:
    return [(e.event, e.data) for e in events if e.event != "ready"]


async def test_one_connection_carries_several_views(live: LiveKit) -> None:
    me = await live.sign_in()
    asked = request_to(me.user_id)
    now = balance("20.00", 1)
    await live.produce(topics.PAYMENT_REQUESTS, asked.id, asked)
    await live.produce(topics.BALANCES, me.user_id, now)
    await live.produce(topics.BALANCE_HISTORIES, me.user_id, now)
    async with live.sse(VIEWS, me.token) as stream:
        initial = await stream.until("ready")
        assert sorted(seen(initial)) == sorted(
            [
                ("payment-requests", encode(asked).decode()),
                ("current-balance", encode(now).decode()),
                ("balance-histories", encode(now).decode()),
            ]
        )
        ready_id = initial[-1].id or ""
        assert ready_id.count(";") == 2 and "current-balance@" in ready_id
        await live.produce(topics.PAYMENT_REQUESTS, asked.id, None)
        deleted = await stream.next()
        assert (deleted.event, loads(deleted.data)) == (
            "payment-requests.delete",
            {"key": asked.id},
        )


async def test_a_restarted_gateway_resumes_clients_with_nothing_missed_or_twice(
    live: LiveKit, stack: Stack
) -> None:
    me = await live.sign_in()
    before = [balance(f"{n}.00", n) for n in (1, 2)]
    for item in before:
        await live.produce(topics.BALANCE_HISTORIES, me.user_id, item)
    async with live.sse(VIEWS, me.token) as stream:
        assert len(seen(await stream.until("ready"))) == 2
        stack.stop_service("gateway")
        assert await stream.ends()
        last_id = stream.last_id
    meanwhile = [balance("3.00", 3), balance("4.00", 4)]
    asked = request_to(me.user_id)
    for item in meanwhile:
        await live.produce(topics.BALANCE_HISTORIES, me.user_id, item)
    await live.produce(topics.BALANCES, me.user_id, meanwhile[-1])
    await live.produce(topics.PAYMENT_REQUESTS, asked.id, asked)
    stack.start_service("gateway")
    async with live.sse(VIEWS, me.token, last_id) as stream:
        resumed = await stream.until("ready")
    assert sorted(seen(resumed)) == sorted(
        [("balance-histories", encode(item).decode()) for item in meanwhile]
        + [
            ("current-balance", encode(meanwhile[-1]).decode()),
            ("payment-requests", encode(asked).decode()),
        ]
    )
    histories = [e.data for e in resumed if e.event == "balance-histories"]
    assert histories == [encode(item).decode() for item in meanwhile]  # in order
