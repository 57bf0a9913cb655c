"""No read route or live view ever shows a user's data to someone else, however it is asked.

Alice and Bob do business: Alice pays Bob (so both balances, histories and statements move) and
asks Bob for money (an open request between them). Mallory, a third user with every scope,
then asks for their data through every JSON read and every live view: with their ids in path
and query parameters, identity headers, another user's ``Last-Event-ID``, multiplexed streams
and encoded paths. Mallory only ever sees Mallory's own data (``/activities``, the public feed
of public payments, and ``/users``, the directory, are public by design; what never reaches the
public feed is in ``test_private_activity.py``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.attack.conftest import Gateway, Person, amount, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PER_USER_VIEWS = [
    "/current-balance",
    "/balance-histories",
    "/statements",
    "/payment-requests",
    "/my-activities",
    "/sent-requests",
]


@dataclass(frozen=True)
class Business:
    alice: Person
    bob: Person
    mallory: Person
    request_id: str
    alice_event_id: str
    """An event id from Alice's own multiplexed stream, for resume tricks."""
    correlation_id: str
    """Of a command of Alice's answered 202, for the reply route."""

    @property
    def secrets(self) -> list[str]:
        """What must never appear in Mallory's answers (besides the ids Mallory sent)."""
        return [self.alice.user_id, self.bob.user_id, "92.23", "107.77", "4.56", "7.77"]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def business(gateway: Gateway) -> AsyncIterator[Business]:
    alice, bob, mallory = await gateway.person(), await gateway.person(), await gateway.person()
    paid = await gateway.pay(alice, {"userId": bob.user_id, "amount": 7.77})
    assert paid.status_code == 200, paid.text
    asked = await gateway.request_money(alice, {"userId": bob.user_id, "amount": 4.56})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    async with gateway.sse(
        "/streams?views=current-balance,balance-histories,payment-requests", alice.token
    ) as stream:
        await stream.until("ready")
        event_id = stream.last_id
    assert event_id
    accepted = await gateway.client.post(
        "/payment-requests/nope-0/cancel", headers={**alice.auth, "Prefer": "respond-async"}
    )
    assert accepted.status_code == 202, accepted.text
    correlation_id = accepted.headers["location"].rsplit("/", 1)[-1]
    # Wait until Bob sees the request and his money, so Mallory's reads come after them.
    await gateway.read_once_there(f"/payment-requests/{request_id}", bob)
    assert amount((await gateway.balance(bob))["balance"]) == amount("107.77")
    yield Business(alice, bob, mallory, request_id, event_id, correlation_id)


def assert_none_of(business: Business, text: str, *, echoed_id: bool = False) -> None:
    secrets = business.secrets if echoed_id else [*business.secrets, business.request_id]
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == [], (leaked, text[:1000])


ID_TRICKS = [
    "?userId={alice}",
    "?sub={alice}",
    "?user={alice}",
    "?identity={alice}",
    "?key={alice}",
    "?id={alice}",
    "?userId={alice}&userId={bob}",
]


def tricks(business: Business) -> list[str]:
    ids = {"alice": business.alice.user_id, "bob": business.bob.user_id}
    return [""] + [trick.format(**ids) for trick in ID_TRICKS]


HEADER_TRICKS = ["X-User-Id", "zilla-identity", "X-Forwarded-User", "Remote-User"]


async def test_json_reads_show_only_the_callers_data(gateway: Gateway, business: Business) -> None:
    mallory, bob = business.mallory, business.bob
    for query in tricks(business):
        for name in [None, *HEADER_TRICKS]:
            hdrs = {**mallory.auth, **({name: bob.user_id} if name else {})}
            response = await gateway.client.get(f"/current-payment-requests{query}", headers=hdrs)
            assert response.status_code == 200 and response.json() == [], response.text
            one = await gateway.client.get(
                f"/payment-requests/{business.request_id}{query}", headers=hdrs
            )
            assert_problem(one, 404)
            assert_none_of(business, one.text, echoed_id=True)
    # The parties themselves do see it (so the 404 above is not a broken route).
    for party in (business.alice, bob):
        path = f"/payment-requests/{business.request_id}"
        seen = await gateway.client.get(path, headers=party.auth)
        assert seen.status_code == 200, seen.text


async def test_path_tricks_do_not_reach_another_users_request(
    gateway: Gateway, business: Business
) -> None:
    rid, mallory = business.request_id, business.mallory
    paths = [
        f"/payment-requests/{rid}/",
        f"/payment-requests/{rid}%00",
        f"/payment-requests/{rid}%2F..",
        f"/payment-requests/..%2F{rid}",
        f"/payment-requests/{rid.upper()}",
        f"/payment-requests/%20{rid}",
        f"/payment-requests/{rid}?id={rid}",
        f"//payment-requests/{rid}",
        f"/payment-requests/x/../{rid}",
        "/payment-requests/*",
        "/payment-requests/%2A",
        f"/current-payment-requests/../payment-requests/{rid}",
    ]
    for path in paths:
        # Followed to the end: without the web app's catch-all page, a trailing slash is first
        # redirected to the path without it (which must then refuse like any other).
        response = await gateway.client.get(path, headers=mallory.auth, follow_redirects=True)
        kind = response.headers["content-type"]
        if response.status_code == 200:  # a path no API route has: the web app's own page
            assert kind.startswith("text/html") and "payment" not in response.text, path
        else:
            assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
            assert kind.startswith("application/problem+json"), path
        assert_none_of(business, response.text, echoed_id=True)


async def test_others_cannot_answer_or_withdraw_a_request(
    gateway: Gateway, business: Business
) -> None:
    for action in ("decline", "cancel"):
        response = await gateway.client.post(
            f"/payment-requests/{business.request_id}/{action}",
            headers={**business.mallory.auth, "Prefer": "wait=20"},
        )
        assert_problem(response, 404)
        assert_none_of(business, response.text, echoed_id=True)
    seen = await gateway.client.get(
        f"/payment-requests/{business.request_id}", headers=business.bob.auth
    )
    assert seen.status_code == 200 and seen.json()["status"] == "pending"


async def test_the_reply_to_another_users_command_is_not_found(
    gateway: Gateway, business: Business
) -> None:
    path = f"/command-replies/{business.correlation_id}"
    for hdrs in ({}, {"X-User-Id": business.alice.user_id}, {"Prefer": "wait=1"}):
        response = await gateway.client.get(path, headers={**business.mallory.auth, **hdrs})
        assert_problem(response, 404)
    own = await gateway.client.get(path, headers={**business.alice.auth, "Prefer": "wait=20"})
    assert own.status_code in (202, 404, 409, 200), own.text  # Alice's own, whatever it says


def only_mallorys(business: Business, view: str, events: list[dict[str, Any]]) -> None:
    assert_none_of(business, json.dumps(events))
    for data in events:
        if view in ("/current-balance", "/balance-histories"):
            assert amount(data["balance"]) == amount("100.00"), data
        elif view == "/statements":
            assert data["userId"] == business.mallory.user_id, data
        elif view == "/my-activities":
            assert business.mallory.user_id in (data["fromUserId"], data["toUserId"]), data
        elif view in ("/payment-requests", "/sent-requests"):
            raise AssertionError(f"Mallory asks for and is asked to pay nothing: {data}")


@pytest.mark.parametrize("view", PER_USER_VIEWS)
async def test_live_views_show_only_the_callers_data(
    gateway: Gateway, business: Business, view: str
) -> None:
    mallory, alice = business.mallory, business.alice
    for query in tricks(business):
        only_mallorys(business, view, await gateway.snapshot(view + query, mallory))
    for name in HEADER_TRICKS:
        events = await gateway.snapshot(view, mallory, **{name: alice.user_id})
        only_mallorys(business, view, events)
    # The token in the query, with someone else's id beside it.
    events = await gateway.snapshot(
        f"{view}?userId={alice.user_id}&access_token={mallory.token}", business.bob
    )  # the header (Bob's token) wins over the query token, so this is Bob's own view
    assert business.mallory.user_id not in json.dumps(events)


async def test_resuming_from_another_users_event_id_shows_nothing_of_theirs(
    gateway: Gateway, business: Business
) -> None:
    views = "current-balance,balance-histories,payment-requests"
    mallory = business.mallory
    for how in ("header", "query"):
        path = f"/streams?views={views}"
        extra: dict[str, str] = {}
        if how == "header":
            extra["Last-Event-ID"] = business.alice_event_id
        else:
            path += f"&lastEventId={business.alice_event_id}"
        async with gateway.sse(path, mallory.token, **extra) as stream:
            events = await stream.until("ready")
        assert_none_of(business, json.dumps([e.data for e in events]))
    # A resume point from the start of every partition replays the logs: still only Mallory's.
    start = "balance-histories@0=0,1=0,2=0"
    async with gateway.sse("/balance-histories", mallory.token, **{"Last-Event-ID": start}) as s:
        events = await s.until("ready")
    only_mallorys(business, "/balance-histories", [json.loads(e.data) for e in events[:-1]])


async def test_a_multiplexed_stream_shows_only_the_callers_data(
    gateway: Gateway, business: Business
) -> None:
    views = "current-balance,balance-histories,payment-requests,statements"
    for query in tricks(business):
        path = f"/streams?views={views}" + query.replace("?", "&")
        async with gateway.sse(path, business.mallory.token) as stream:
            events = await stream.until("ready")
        assert_none_of(business, json.dumps([e.data for e in events]))
        for event in events[:-1]:
            view = "/" + event.event.removesuffix(".delete")
            only_mallorys(business, view, [json.loads(event.data)])


async def test_live_changes_of_others_never_reach_a_stream(
    gateway: Gateway, business: Business
) -> None:
    """While Mallory watches, Alice and Bob keep doing business; none of it reaches Mallory."""
    views = "current-balance,balance-histories,payment-requests,statements"
    alice, bob = business.alice, business.bob
    async with gateway.sse(
        f"/streams?views={views}&userId={bob.user_id}", business.mallory.token
    ) as stream:
        await stream.until("ready")
        paid = await gateway.pay(bob, {"userId": alice.user_id, "amount": 1})
        assert paid.status_code == 200, paid.text
        asked = await gateway.request_money(bob, {"userId": alice.user_id, "amount": 2})
        assert asked.status_code == 201, asked.text
        # Bob's own stream sees his change; by then Mallory's would have too, had it leaked.
        async with gateway.sse("/balance-histories", bob.token) as bobs:
            await bobs.until("ready")
        received = await stream.until_quiet()
        assert_none_of(business, json.dumps([e.data for e in received]))
        assert asked.json()["id"] not in json.dumps([e.data for e in received])
