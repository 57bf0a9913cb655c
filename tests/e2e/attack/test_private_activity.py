"""Private by default: a third user never sees a private payment, a request or a decline.

Alice pays Bob privately (the default) and Bob asks Alice for money, which she declines with a
reason. Carol pays Dave publicly. Mallory, a third user with every scope, then reads every live
view, fresh and replayed from the very start of every partition, alone and multiplexed: the
public payment is there (so the feed Mallory reads is current), and nothing of Alice's and Bob's
business is, not even their names. Alice and Bob themselves see all of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.attack.conftest import Gateway, Person, amount, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

FROM_THE_START = "@0=0,1=0,2=0"
"""A resume position at the start of every partition: the whole log is replayed."""


@dataclass(frozen=True)
class Private:
    alice: Person
    bob: Person
    mallory: Person
    request_id: str
    note: str
    asked_for: str
    reason: str
    public_note: str

    @property
    def secrets(self) -> list[str]:
        """What Mallory must never see: the amounts, the notes, the reason, the parties."""
        return [
            "61.73",
            "8.42",
            self.note,
            self.asked_for,
            self.reason,
            self.request_id,
            self.alice.user_id,
            self.bob.user_id,
        ]


async def lines(gateway: Gateway, path: str, who: Person, want: str) -> list[dict[str, Any]]:
    """The events a fresh stream sends before ``ready``, once one of them holds ``want``."""
    async with gateway.sse(path, who.token) as stream:
        events = await stream.until("ready", within=15)
        while not any(want in e.data for e in events):
            events.append(await stream.next(within=20))
    return [json.loads(e.data) for e in events if e.event not in ("ready",)]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def private(gateway: Gateway) -> AsyncIterator[Private]:
    alice, bob, mallory = await gateway.person(), await gateway.person(), await gateway.person()
    carol, dave = await gateway.person(), await gateway.person()
    mark = uuid.uuid4().hex[:10]
    note, asked_for, reason = f"rent-{mark}", f"tickets-{mark}", f"not-now-{mark}"
    public_note = f"public-{mark}"

    paid = await gateway.pay(alice, {"userId": bob.user_id, "amount": 61.73, "notes": note})
    assert paid.status_code == 200, paid.text
    asked = await gateway.request_money(
        bob, {"userId": alice.user_id, "amount": 8.42, "notes": asked_for}
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    declined = await gateway.client.post(
        f"/payment-requests/{request_id}/decline",
        json={"reason": reason},
        headers={**alice.auth, "Prefer": "wait=20"},
    )
    assert declined.status_code == 200, declined.text
    public = {"userId": dave.user_id, "amount": 3.21, "notes": public_note, "visibility": "public"}
    assert (await gateway.pay(carol, public)).status_code == 200

    # The views have caught up: the parties see the decline, everyone the public payment.
    await lines(gateway, "/my-activities", bob, reason)
    await lines(gateway, "/my-activities", alice, reason)
    await lines(gateway, "/activities", mallory, public_note)
    yield Private(alice, bob, mallory, request_id, note, asked_for, reason, public_note)


def assert_none_of(private: Private, events: list[dict[str, Any]]) -> None:
    text = json.dumps(events)
    leaked = [secret for secret in private.secrets if secret in text]
    assert leaked == [], (leaked, text[:2000])


@pytest.mark.parametrize(
    "path", ["/activities", "/my-activities", "/sent-requests", "/payment-requests"]
)
async def test_no_view_shows_a_third_user_anything_private(
    gateway: Gateway, private: Private, path: str
) -> None:
    mallory, view = private.mallory, path.lstrip("/")
    fresh = await gateway.snapshot(path, mallory)
    replayed = await gateway.snapshot(path, mallory, **{"Last-Event-ID": f"{view}{FROM_THE_START}"})
    assert_none_of(private, fresh + replayed)
    for data in fresh + replayed:
        if path == "/my-activities":
            assert mallory.user_id in (data["fromUserId"], data["toUserId"]), data
        elif path == "/activities":
            assert data["visibility"] == "public", data
        else:
            raise AssertionError(f"Mallory asked no one and was asked nothing: {data}")
    if path == "/activities":  # the public feed Mallory reads is current
        assert private.public_note in json.dumps(fresh)
        assert private.public_note in json.dumps(replayed)


async def test_a_multiplexed_stream_from_the_start_shows_a_third_user_nothing_private(
    gateway: Gateway, private: Private
) -> None:
    views = ["activities", "my-activities", "payment-requests", "sent-requests"]
    start = ";".join(f"{view}{FROM_THE_START}" for view in views)
    for extra in ({}, {"Last-Event-ID": start}):
        path = f"/streams?views={','.join(views)}&userId={private.alice.user_id}"
        async with gateway.sse(path, private.mallory.token, **extra) as stream:
            events = await stream.until("ready", within=20)
        assert_none_of(private, [json.loads(e.data) for e in events])


async def test_live_private_business_never_reaches_a_third_users_streams(
    gateway: Gateway, private: Private
) -> None:
    alice, bob = private.alice, private.bob
    views = "activities,my-activities,payment-requests,sent-requests"
    async with gateway.sse(f"/streams?views={views}", private.mallory.token) as stream:
        await stream.until("ready", within=15)
        again = {"userId": alice.user_id, "amount": 8.42, "notes": f"{private.note}-again"}
        assert (await gateway.pay(bob, again)).status_code == 200
        await lines(gateway, "/my-activities", alice, f"{private.note}-again")
        received = await stream.until_quiet()
    assert_none_of(private, [json.loads(e.data) for e in received if e.data.startswith("{")])


async def test_the_two_parties_see_everything(gateway: Gateway, private: Private) -> None:
    for party in (private.alice, private.bob):
        seen = await lines(gateway, "/my-activities", party, private.reason)
        payment = [line for line in seen if line.get("notes") == private.note]
        assert payment and amount(payment[0]["amount"]) == amount("61.73")
        assert payment[0]["visibility"] == "private"
        assert any(line.get("notes") == private.asked_for for line in seen)
    sent = await lines(gateway, "/sent-requests", private.bob, private.request_id)
    (request,) = [r for r in sent if r["id"] == private.request_id]
    assert (request["status"], request["notes"]) == ("declined", private.asked_for)
    assert private.request_id not in json.dumps(
        await gateway.snapshot("/sent-requests", private.alice)
    )


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/request", {"amount": 1, "visibility": "public"}),
        ("/pay", {"amount": 8.42, "requestId": "any-request", "visibility": "public"}),
        ("/pay", {"amount": 1, "visibility": "everyone"}),
    ],
)
async def test_a_request_or_its_payment_cannot_be_made_public(
    gateway: Gateway, private: Private, route: str, body: dict[str, Any]
) -> None:
    before = await gateway.balance(private.mallory)
    response = await gateway.client.post(
        route,
        json={"userId": private.bob.user_id, **body},
        headers={**private.mallory.auth, "Prefer": "wait=5"},
    )
    assert_problem(response, 400)
    assert (await gateway.balance(private.mallory))["version"] == before["version"]
    assert await gateway.snapshot("/sent-requests", private.mallory) == []
