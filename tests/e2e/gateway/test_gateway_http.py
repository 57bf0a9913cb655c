"""The gateway's HTTP routes through the real stack: broker, streams worker and gateway process.

Commands are answered by the real streams worker; a command that gets no reply within 20 s
fails the test.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
import pytest

from streampay_infra.stack import Stack
from tests.e2e.gateway.conftest import Person, person

pytestmark = pytest.mark.e2e


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def pay(http: httpx.AsyncClient, payer: Person, body: dict, **hdrs: str) -> httpx.Response:
    """Pay, waiting up to 20 s for the worker's reply."""
    response = await http.post(
        "/pay", json=body, headers={**payer.auth, "Prefer": "wait=20", **hdrs}
    )
    assert response.status_code != 202, "the streams worker did not answer within 20 s"
    return response


async def test_sign_in_profiles_and_reads(http: httpx.AsyncClient) -> None:
    alice = await person(http)
    users = await http.get("/users", headers=alice.auth)
    assert users.status_code == 200
    assert {
        "id": alice.user_id,
        "name": f"E2E {alice.username}",
        "username": alice.username,
    } in users.json()
    again = await http.get("/users", headers={**alice.auth, "If-None-Match": users.headers["etag"]})
    assert again.status_code in (200, 304)  # 200 only if someone else changed the directory
    mine = await http.get("/current-payment-requests", headers=alice.auth)
    assert mine.status_code == 200 and mine.json() == []


async def test_auth_failures_over_http(http: httpx.AsyncClient) -> None:
    assert (await http.get("/users")).status_code == 401
    reader = await person(http, scope="read:users", profile=False)
    forbidden = await http.post(
        "/pay", json={"userId": "local|x", "amount": 1}, headers=reader.auth
    )
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    system = await http.post("/auth/token", json={"username": "system|bank", "name": "Bank"})
    assert system.status_code == 400


async def test_pay_retry_and_key_reuse(http: httpx.AsyncClient) -> None:
    alice, bob = await person(http), await person(http)
    body = {"userId": bob.user_id, "amount": 10.25, "notes": "e2e"}
    same = key()
    first = await pay(http, alice, body, **same)
    assert first.status_code == 200, first.text
    retry = await pay(http, alice, body, **same)
    assert retry.status_code == 200 and retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    reused = await http.post("/pay", json={**body, "amount": 11}, headers={**alice.auth, **same})
    assert reused.status_code == 422
    second = await pay(http, alice, body, **key())
    # One payment per key: the retry moved no money, so the next payment is the next debit.
    balance_after = Decimal(str(second.json()["balance"]))
    assert balance_after == Decimal(str(first.json()["balance"])) - Decimal("10.25")


async def test_requests_are_private_to_their_parties(http: httpx.AsyncClient) -> None:
    alice, bob, carol = await person(http), await person(http), await person(http)
    await pay(http, alice, {"userId": bob.user_id, "amount": 0.01})
    asked = await http.post(
        "/request",
        json={"userId": bob.user_id, "amount": 3},
        headers={**alice.auth, "Prefer": "wait=20"},
    )
    assert asked.status_code == 201, asked.text
    path = f"/payment-requests/{asked.json()['id']}"
    seen = await eventually(http, path, bob, 200)
    assert seen.json()["fromUserId"] == alice.user_id
    open_for_bob = await http.get("/current-payment-requests", headers=bob.auth)
    assert [r["id"] for r in open_for_bob.json()] == [asked.json()["id"]]
    assert (await http.get(path, headers=carol.auth)).status_code == 404
    declined = await http.post(f"{path}/decline", headers={**bob.auth, "Prefer": "wait=20"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    await eventually(http, path, bob, 404)


async def eventually(
    http: httpx.AsyncClient, path: str, who: Person, status: int
) -> httpx.Response:
    """GET ``path`` until it answers ``status`` (the view may trail the reply); at most 10 s."""
    deadline = asyncio.get_running_loop().time() + 10
    while (response := await http.get(path, headers=who.auth)).status_code != status:
        assert asyncio.get_running_loop().time() < deadline, response.text
        await asyncio.sleep(0.1)
    return response


async def test_worker_stopped_gives_202_and_the_reply_comes_later(
    http: httpx.AsyncClient, services: Stack
) -> None:
    alice, bob = await person(http), await person(http)
    await pay(http, alice, {"userId": bob.user_id, "amount": 0.01})
    services.stop_service("streams")
    try:
        accepted = await http.post(
            "/pay",
            json={"userId": bob.user_id, "amount": 1},
            headers={**alice.auth, "Prefer": "wait=1"},
        )
        assert accepted.status_code == 202
        location = accepted.headers["location"]
        assert (await http.get(location, headers=alice.auth)).status_code == 202
    finally:
        services.start_service("streams")
    # The restarted worker first rejoins its consumer group, which can take a while.
    deadline = asyncio.get_running_loop().time() + 120
    while (
        answered := await http.get(location, headers={**alice.auth, "Prefer": "wait=20"})
    ).status_code == 202:
        assert asyncio.get_running_loop().time() < deadline, "no reply after the worker came back"
    assert answered.status_code == 200, answered.text


async def test_a_retry_after_a_gateway_restart_is_replayed(
    http: httpx.AsyncClient, services: Stack
) -> None:
    alice, bob = await person(http), await person(http)
    same = key()
    first = await pay(http, alice, {"userId": bob.user_id, "amount": 0.5}, **same)
    services.stop_service("gateway")
    services.start_service("gateway")
    retry = await http.post(
        "/pay", json={"userId": bob.user_id, "amount": 0.5}, headers={**alice.auth, **same}
    )
    assert retry.status_code == first.status_code and retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"


async def put_profile(
    http: httpx.AsyncClient, who: Person, name: str, username: str
) -> httpx.Response:
    """PUT /current-user, waiting up to 20 s for the streams worker's decision."""
    body = {"name": name, "username": username}
    response = await http.put("/current-user", json=body, headers={**who.auth, "Prefer": "wait=20"})
    assert response.status_code != 202, "the streams worker did not answer within 20 s"
    return response


async def test_a_username_is_one_users_alone_and_no_name_passes_for_the_bank(
    http: httpx.AsyncClient,
) -> None:
    alice, mallory = await person(http), await person(http)

    taken = await put_profile(http, mallory, "Alice", alice.username)
    assert taken.status_code == 409 and "is taken" in taken.json()["detail"]
    bank = await put_profile(http, mallory, "StreamPay  bank", mallory.username)
    assert bank.status_code == 400 and "reserved for StreamPay" in bank.json()["detail"]
    hidden = await put_profile(http, mallory, "Mal\u202eyrol", mallory.username)
    assert hidden.status_code == 400 and "text-direction" in hidden.json()["detail"]
    users = {u["id"]: u for u in (await http.get("/users", headers=alice.auth)).json()}
    assert users[alice.user_id]["username"] == alice.username
    assert users[mallory.user_id]["name"] == f"E2E {mallory.username}"

    # Moving to another username frees the old one, for anyone.
    fresh = f"m{uuid.uuid4().hex[:12]}"
    assert (await put_profile(http, mallory, "Mallory", fresh)).status_code == 204
    newcomer = await person(http, profile=False)
    for _ in range(40):  # the old username is released a moment after the answer
        took = await put_profile(http, newcomer, "Newcomer", mallory.username)
        if took.status_code != 409:
            break
        await asyncio.sleep(0.25)
    assert took.status_code == 204, took.text
