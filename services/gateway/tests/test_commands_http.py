"""The command routes over HTTP, against the real broker and the worker's test double:
answers, refusals, retries, and commands whose reply is late, retried elsewhere, or retried
after a restart."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from streampay_contracts import headers
from streampay_contracts.envelopes import FINGERPRINT

pytestmark = pytest.mark.integration

PAY_ONE = {"amount": 12.5, "notes": "lunch"}


def key() -> str:
    return f"key-{uuid.uuid4().hex}"


async def pay(client: httpx.AsyncClient, payer: Any, payee: Any, **extra: Any) -> httpx.Response:
    hdrs = {**payer.auth, **extra.pop("headers", {})}
    body = {"userId": payee.user_id, **PAY_ONE, **extra}
    return await client.post("/pay", json=body, headers=hdrs)


async def test_pay_answers_the_workers_reply(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    response = await pay(gateway, alice, bob, headers={"Idempotency-Key": key()})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith('{"commandId":"') and '"amount":12.50' in response.text
    assert "idempotent-replayed" not in response.headers
    assert response.headers["content-location"].startswith("/command-replies/")


async def test_the_command_record_carries_only_trusted_headers(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    client_headers = {
        "Idempotency-Key": "k-headers",
        "zilla:identity": "local|mallory",
        "zilla:correlation-id": "forged",
        "If-Match": '"3"',
        "Cookie": "session=secret",
    }
    response = await pay(gateway, alice, bob, headers=client_headers)
    assert response.status_code == 200
    [sent] = responder.commands_of(alice.user_id)
    assert sent[headers.IDENTITY] == alice.user_id
    assert sent[headers.DOMAIN_MODEL] == "PayCommand"
    assert sent[headers.REPLY_TO] == "replies"
    assert sent[headers.IDEMPOTENCY_KEY] == "k-headers"
    assert sent[headers.IF_MATCH] == '"3"'
    assert sent[headers.CORRELATION_ID] == response.headers["content-location"].rsplit("/", 1)[1]
    assert len(sent[FINGERPRINT]) == 64
    forwarded = {name.lower() for name in sent}
    assert not forwarded & {"authorization", "cookie"}
    assert sent["value"] == (
        f'{{"userId":"{bob.user_id}","amount":12.50,"notes":"lunch","visibility":"private"}}'
    )


async def test_a_retry_is_answered_from_the_first_reply_and_paid_once(
    gateway, sign_in, responder
) -> None:
    alice, bob = await sign_in(), await sign_in()
    retry_key = {"Idempotency-Key": key()}
    first = await pay(gateway, alice, bob, headers=retry_key)
    second = await gateway.post(
        "/pay",
        content=f'{{"amount":12.50,"userId":"{bob.user_id}","notes":"lunch"}}',
        headers={**alice.auth, **retry_key, "content-type": "application/json"},
    )
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert len(responder.commands_of(alice.user_id)) == 1


async def test_a_key_reused_with_another_body_is_422(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    reused = {"Idempotency-Key": key()}
    assert (await pay(gateway, alice, bob, headers=reused)).status_code == 200
    response = await pay(gateway, alice, bob, amount=13, headers=reused)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "different body" in response.json()["detail"]
    assert len(responder.commands_of(alice.user_id)) == 1


async def test_without_a_key_every_request_is_a_new_command(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    assert (await pay(gateway, alice, bob)).status_code == 200
    assert (await pay(gateway, alice, bob)).status_code == 200
    assert len(responder.commands_of(alice.user_id)) == 2


async def test_keys_are_per_user_and_per_route(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    shared = {"Idempotency-Key": key()}
    assert (await pay(gateway, alice, bob, headers=shared)).status_code == 200
    assert (await pay(gateway, bob, alice, headers=shared)).status_code == 200
    request = await gateway.post(
        "/request", json={"userId": bob.user_id, "amount": 1}, headers={**alice.auth, **shared}
    )
    assert request.status_code == 201
    assert "idempotent-replayed" not in request.headers


async def test_a_problem_reply_is_passed_through(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    response = await pay(gateway, alice, bob, amount=900)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "not enough money"
    assert response.json()["balance"] == 100


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"amount": -5}, "amount: amount must be greater than 0"),
        ({"amount": 1.001}, "amount: amount must have at most 2 decimal places"),
        ({"amount": "5"}, "amount: amount must be a JSON number, not a string"),
        ({"amount": 5, "fromUserId": "local|x"}, "fromUserId: unknown field"),
    ],
)
async def test_an_invalid_body_is_400_and_never_produced(
    gateway, sign_in, responder, body, reason
) -> None:
    alice, bob = await sign_in(), await sign_in()
    response = await gateway.post("/pay", json={"userId": bob.user_id, **body}, headers=alice.auth)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert responder.commands_of(alice.user_id) == []


async def test_paying_or_asking_yourself_or_the_bank_is_400(gateway, sign_in, responder) -> None:
    alice = await sign_in()
    mine = {"userId": alice.user_id, "amount": 1}
    bank = {"userId": "system|bank", "amount": 1}
    for path, body, reason in [
        ("/pay", mine, "you cannot pay yourself"),
        ("/request", mine, "you cannot ask yourself for money"),
        ("/pay", bank, "own accounts cannot be paid"),
        ("/request", bank, "own accounts cannot be paid"),
    ]:
        response = await gateway.post(path, json=body, headers=alice.auth)
        assert response.status_code == 400 and reason in response.json()["detail"], path
    assert responder.commands_of(alice.user_id) == []


async def test_a_body_over_16_kib_is_413(gateway, sign_in) -> None:
    alice, bob = await sign_in(), await sign_in()
    big = f'{{"userId":"{bob.user_id}","amount":1,"notes":"{"x" * 17000}"}}'
    response = await gateway.post("/pay", content=big, headers=alice.auth)
    assert response.status_code == 413
    assert response.json()["title"] == "Content Too Large"


async def test_bad_headers_are_400(gateway, sign_in) -> None:
    alice, bob = await sign_in(), await sign_in()
    stale = await pay(gateway, alice, bob, headers={"If-Match": "yesterday"})
    assert stale.status_code == 400 and "If-Match" in stale.json()["detail"]
    long_key = await pay(gateway, alice, bob, headers={"Idempotency-Key": "k" * 300})
    assert long_key.status_code == 400 and "Idempotency-Key" in long_key.json()["detail"]


async def test_request_decline_and_cancel(gateway, sign_in, responder) -> None:
    alice, bob, carol = await sign_in(), await sign_in(), await sign_in()
    asked = await gateway.post(
        "/request", json={"userId": bob.user_id, "amount": 7, "notes": "pizza"}, headers=alice.auth
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    path = f"/payment-requests/{request_id}"
    not_mine = await gateway.post(f"{path}/decline", json={"reason": "no"}, headers=carol.auth)
    assert not_mine.status_code == 404
    declined = await gateway.post(f"{path}/decline", json={"reason": "no"}, headers=bob.auth)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    [decline] = [c for c in responder.commands_of(bob.user_id)]
    assert decline["value"] == f'{{"requestId":"{request_id}","reason":"no"}}'

    again = await gateway.post(
        "/request", json={"userId": bob.user_id, "amount": 8}, headers=alice.auth
    )
    cancelled = await gateway.post(
        f"/payment-requests/{again.json()['id']}/cancel", headers=alice.auth
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_decline_and_cancel_validate_what_they_get(gateway, sign_in) -> None:
    bob = await sign_in()
    extra = await gateway.post("/payment-requests/r-1/cancel", json={"x": 1}, headers=bob.auth)
    assert extra.status_code == 400 and "x: unknown field" in extra.json()["detail"]
    bad_id = await gateway.post("/payment-requests/r%20x/decline", headers=bob.auth)
    assert bad_id.status_code == 400


async def test_scopes_guard_each_command(gateway, sign_in) -> None:
    reader = await sign_in(scope="read:users write:request")
    payer = await sign_in(scope="write:pay")
    other = await sign_in()
    cases = [
        (reader, "/pay", {"userId": other.user_id, "amount": 1}, "write:pay"),
        (reader, "/payment-requests/r-1/decline", {}, "write:pay"),
        (payer, "/request", {"userId": other.user_id, "amount": 1}, "write:request"),
        (payer, "/payment-requests/r-1/cancel", {}, "write:request"),
    ]
    for user, path, body, scope in cases:
        response = await gateway.post(path, json=body, headers=user.auth)
        assert response.status_code == 403, path
        assert scope in response.json()["detail"]
        assert f'scope="{scope}"' in response.headers["www-authenticate"]


async def test_no_or_bad_token_is_401_with_a_challenge(gateway) -> None:
    missing = await gateway.post("/pay", json={})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="streampay"'
    assert missing.headers["content-type"] == "application/problem+json"
    bad = await gateway.post("/pay", json={}, headers={"Authorization": "Bearer not.a.jwt"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]


# -- replies that take longer than the wait -------------------------------------------------


async def test_no_reply_in_time_is_202_with_a_location_that_gets_the_reply(
    gateway, sign_in, responder
) -> None:
    alice, bob = await sign_in(), await sign_in()
    responder.held.add(alice.user_id)
    accepted = await pay(
        gateway, alice, bob, headers={"Prefer": "wait=1", "Idempotency-Key": key()}
    )
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    assert accepted.json()["location"] == location and accepted.headers["retry-after"] == "1"

    pending = await gateway.get(location, headers=alice.auth)
    assert pending.status_code == 202
    stranger = await sign_in()
    assert (await gateway.get(location, headers=stranger.auth)).status_code == 404

    waiting = asyncio.create_task(
        gateway.get(location, headers={**alice.auth, "Prefer": "wait=10"})
    )
    await asyncio.sleep(0.2)  # let the long-poll start waiting before the reply exists
    await responder.release(alice.user_id)
    answered = await asyncio.wait_for(waiting, 10)
    assert answered.status_code == 200 and '"amount":12.50' in answered.text
    assert (await gateway.get(location, headers=alice.auth)).status_code == 200


async def test_respond_async_is_202_at_once(gateway, sign_in, responder) -> None:
    alice, bob = await sign_in(), await sign_in()
    responder.held.add(alice.user_id)
    response = await pay(gateway, alice, bob, headers={"Prefer": "respond-async"})
    assert response.status_code == 202
    assert response.headers["preference-applied"] == "respond-async"
    await responder.release(alice.user_id)


async def test_the_same_key_in_flight_is_409_and_a_later_retry_waits_for_it(
    gateway, sign_in, responder
) -> None:
    alice, bob = await sign_in(), await sign_in()
    responder.held.add(alice.user_id)
    same = {"Idempotency-Key": key()}
    first = asyncio.create_task(pay(gateway, alice, bob, headers={**same, "Prefer": "wait=5"}))
    assert await _until(lambda: len(responder.commands_of(alice.user_id)) == 1)
    concurrent = await pay(gateway, alice, bob, headers=same)
    assert concurrent.status_code == 409
    await responder.release(alice.user_id)
    assert (await first).status_code == 200
    retry = await pay(gateway, alice, bob, headers=same)
    assert retry.status_code == 200 and retry.headers["idempotent-replayed"] == "true"
    assert len(responder.commands_of(alice.user_id)) == 1


async def test_an_unknown_command_reply_is_404(gateway, sign_in) -> None:
    alice = await sign_in()
    response = await gateway.get(f"/command-replies/{'0' * 64}", headers=alice.auth)
    assert response.status_code == 404
    assert (await gateway.get("/command-replies/nothex", headers=alice.auth)).status_code == 400


async def _until(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


# -- other instances, restarts, and the broker going away -----------------------------------


async def test_a_retry_on_another_instance_after_a_restart_is_replayed(
    gateway, start_gateway, sign_in, responder
) -> None:
    alice, bob = await sign_in(), await sign_in()
    retry_key = {"Idempotency-Key": key()}
    first = await pay(gateway, alice, bob, headers=retry_key)
    responder.held.add(alice.user_id)
    pending_key = {"Idempotency-Key": key()}
    accepted = await pay(gateway, alice, bob, headers={**pending_key, "Prefer": "respond-async"})
    assert accepted.status_code == 202

    async with start_gateway() as restarted:
        replayed = await pay(restarted, alice, bob, headers=retry_key)
        assert replayed.status_code == 200 and replayed.content == first.content
        assert replayed.headers["idempotent-replayed"] == "true"
        reused = await pay(restarted, alice, bob, amount=99, headers=retry_key)
        assert reused.status_code == 422
        # Unanswered yet: the restarted instance sends it again, under the same correlation
        # id, for the deciding side to answer the copy as it answers the first.
        waiting = await pay(restarted, alice, bob, headers={**pending_key, "Prefer": "wait=1"})
        assert waiting.status_code == 202
        await responder.release(alice.user_id)
        done = await restarted.get(
            accepted.headers["location"], headers={**alice.auth, "Prefer": "wait=5"}
        )
        assert done.status_code == 200
    copies = responder.received[accepted.headers["location"].rsplit("/", 1)[1]]
    assert len(copies) == 2 and copies[0]["value"] == copies[1]["value"]
    assert len({copy[FINGERPRINT] for copy in copies}) == 1
