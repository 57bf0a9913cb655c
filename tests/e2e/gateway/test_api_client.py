"""The typed API client against the real gateway: exact amounts in, models out, retries answered."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio

from streampay_contracts import (
    DeclineRequestCommand,
    PayCommand,
    PaymentRequest,
    PayReply,
    RequestCommand,
    RequestReply,
    RequestStatus,
    UserProfile,
)
from streampay_contracts.client import Answer, ApiClient, Session
from streampay_infra.stack import Stack

pytestmark = pytest.mark.e2e


@pytest_asyncio.fixture
async def api(services: Stack) -> AsyncIterator[ApiClient]:
    async with httpx.AsyncClient(base_url=services.config.gateway_url, timeout=30) as http:
        yield ApiClient(http)


async def new_user(api: ApiClient, stem: str) -> Session:
    username = f"{stem}{uuid.uuid4().hex[:8]}"
    session = await api.sign_in(UserProfile(username=username, name=stem.title()))
    (await api.save_profile(session)).raise_for_status()
    return session


async def final(api: ApiClient, session: Session, answer: Answer) -> Answer:
    return await api.until_replied(session, answer, timeout_s=30)


async def funded_payment(api: ApiClient, payer: Session, payment: PayCommand) -> tuple[Answer, str]:
    """The payment once the payer's starting grant has arrived (bounded), and its key."""
    deadline = time.monotonic() + 60
    while True:
        key = uuid.uuid4().hex  # a refusal is final for its key: a new attempt, a new key
        answer = await final(api, payer, await api.send(payer, payment, key))
        if answer.status == 200 or time.monotonic() > deadline:
            return answer, key
        await asyncio.sleep(0.5)


async def test_a_payment_is_exact_and_a_retry_with_its_key_is_answered_not_applied(
    api: ApiClient,
) -> None:
    ann, bob = await new_user(api, "ann"), await new_user(api, "bob")
    payment = PayCommand(user_id=bob.user_id, amount=Decimal("0.10"), notes="client")
    paid, key = await funded_payment(api, ann, payment)
    assert paid.status == 200, paid.detail
    assert paid.value(PayReply).balance == Decimal("99.90")
    again = await final(api, ann, await api.send(ann, payment, key))
    assert (again.status, again.replayed) == (200, True)
    assert again.correlation_id == paid.correlation_id
    assert again.value(PayReply).balance == Decimal("99.90")  # not paid twice
    assert {ann.user_id, bob.user_id} <= {user.id for user in await api.users(ann)}


async def test_a_request_is_listed_for_its_payer_and_declined(api: ApiClient) -> None:
    ann, bob = await new_user(api, "ann"), await new_user(api, "bob")
    asked = RequestCommand(user_id=ann.user_id, amount=Decimal("1.25"), notes="lunch")
    created = await final(api, bob, await api.send(bob, asked))
    assert created.status == 201, created.detail
    request_id = created.value(RequestReply).id
    deadline = time.monotonic() + 30
    while not (listed := [r for r in await api.open_requests(ann) if r.id == request_id]):
        assert time.monotonic() < deadline, "the request never reached its payer's list"
        await asyncio.sleep(0.2)
    assert listed[0].amount == Decimal("1.25")
    decline = DeclineRequestCommand(request_id=request_id, reason="not today")
    declined = await final(api, ann, await api.send(ann, decline))
    assert declined.status == 200, declined.detail
    assert declined.value(PaymentRequest).status == RequestStatus.DECLINED
