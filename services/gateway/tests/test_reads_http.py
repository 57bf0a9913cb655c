"""JSON reads over HTTP: users, the caller's open requests, one request; ETag and long-poll."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

pytestmark = pytest.mark.integration


async def put_me(client: httpx.AsyncClient, user, name: str = "Alice") -> httpx.Response:
    body = {"name": name, "username": user.username}
    return await client.put("/current-user", json=body, headers=user.auth)


async def test_put_current_user_then_get_users(gateway, sign_in) -> None:
    alice = await sign_in()
    response = await put_me(gateway, alice, "Alice Doe")
    assert response.status_code == 204 and response.content == b""
    users = await gateway.get("/users", headers=alice.auth)
    assert users.status_code == 200
    mine = [u for u in users.json() if u["id"] == alice.user_id]
    assert mine == [{"id": alice.user_id, "name": "Alice Doe", "username": alice.username}]
    ids = [u["id"] for u in users.json()]
    assert ids == sorted(ids)


async def test_the_profile_is_always_the_callers(gateway, sign_in) -> None:
    alice = await sign_in()
    forged = {"id": "local|bob", "name": "Bob", "username": "bob"}
    response = await gateway.put("/current-user", json=forged, headers=alice.auth)
    assert response.status_code == 400 and "id: unknown field" in response.json()["detail"]
    bad = await gateway.put(
        "/current-user", json={"name": " ", "username": "A B"}, headers=alice.auth
    )
    assert bad.status_code == 400
    assert "name must not be empty" in bad.json()["detail"]


async def test_etag_and_if_none_match(gateway, sign_in) -> None:
    alice = await sign_in()
    await put_me(gateway, alice)
    first = await gateway.get("/users", headers=alice.auth)
    tag = first.headers["etag"]
    same = await gateway.get("/users", headers={**alice.auth, "If-None-Match": tag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == tag
    await put_me(gateway, alice, "Alice Renamed")
    changed = await gateway.get("/users", headers={**alice.auth, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


async def test_prefer_wait_returns_when_the_content_changes(gateway, sign_in) -> None:
    alice, bob = await sign_in(), await sign_in()
    await put_me(gateway, alice)
    tag = (await gateway.get("/users", headers=alice.auth)).headers["etag"]
    started = time.monotonic()
    poll = asyncio.create_task(
        gateway.get("/users", headers={**alice.auth, "If-None-Match": tag, "Prefer": "wait=10"})
    )
    await asyncio.sleep(0.3)
    assert not poll.done()
    await put_me(gateway, bob, "Bob")
    changed = await asyncio.wait_for(poll, 10)
    assert changed.status_code == 200 and time.monotonic() - started < 8
    assert bob.user_id in {u["id"] for u in changed.json()}
    assert changed.headers["preference-applied"] == "wait=10"


async def test_prefer_wait_without_a_change_is_304_after_the_wait(gateway, sign_in) -> None:
    alice = await sign_in()
    mine = await gateway.get("/current-payment-requests", headers=alice.auth)
    assert mine.status_code == 200 and mine.json() == []
    started = time.monotonic()
    unchanged = await gateway.get(
        "/current-payment-requests",
        headers={**alice.auth, "If-None-Match": mine.headers["etag"], "Prefer": "wait=1"},
    )
    assert unchanged.status_code == 304
    assert 0.9 < time.monotonic() - started < 5


async def test_payment_requests_are_read_only_by_their_parties(gateway, sign_in, responder) -> None:
    alice, bob, carol = await sign_in(), await sign_in(), await sign_in()
    asked = await gateway.post(
        "/request", json={"userId": bob.user_id, "amount": 7, "notes": "pizza"}, headers=alice.auth
    )
    request_id = asked.json()["id"]
    path = f"/payment-requests/{request_id}"
    # The reply can come before the gateway's payment-requests table has read the request:
    # both are on the topics, read by different consumers.
    ask_bob = {**bob.auth, "Prefer": "wait=5", "If-None-Match": '"x"'}
    async with asyncio.timeout(10):
        while True:
            open_for_bob = await gateway.get("/current-payment-requests", headers=ask_bob)
            if open_for_bob.json():
                break
            await asyncio.sleep(0.05)
    assert [r["id"] for r in open_for_bob.json()] == [request_id]
    assert open_for_bob.json()[0]["amount"] == 7.00 and '"amount":7.00' in open_for_bob.text
    assert (await gateway.get("/current-payment-requests", headers=alice.auth)).json() == []

    for party in (alice, bob):
        response = await gateway.get(path, headers=party.auth)
        assert response.status_code == 200 and response.json()["fromUserId"] == alice.user_id
    stranger = await gateway.get(path, headers=carol.auth)
    assert stranger.status_code == 404
    assert stranger.headers["content-type"] == "application/problem+json"
    missing = await gateway.get("/payment-requests/r-does-not-exist", headers=alice.auth)
    assert missing.status_code == 404 and missing.json()["detail"] == stranger.json()[
        "detail"
    ].replace(request_id, "r-does-not-exist")

    await gateway.post(f"{path}/decline", headers=bob.auth)
    closed = await gateway.get(path, headers={**bob.auth, "Prefer": "wait=5", "If-None-Match": "*"})
    assert closed.status_code == 404
    assert (await gateway.get("/current-payment-requests", headers=bob.auth)).json() == []


async def test_reads_need_their_scopes(gateway, sign_in) -> None:
    payer = await sign_in(scope="write:pay")
    for method, path in [
        ("GET", "/users"),
        ("PUT", "/current-user"),
        ("GET", "/current-payment-requests"),
        ("GET", "/payment-requests/r-1"),
    ]:
        response = await gateway.request(method, path, headers=payer.auth, json={})
        assert response.status_code == 403, path
        anonymous = await gateway.request(method, path)
        assert anonymous.status_code == 401, path


async def test_a_json_read_refuses_the_token_as_a_query_parameter(gateway, sign_in) -> None:
    """Only the live views (EventSource) take ``?access_token=``."""
    alice = await sign_in()
    response = await gateway.get("/users", params={"access_token": alice.token})
    assert response.status_code == 401
    assert 'error="invalid_request"' in response.headers["www-authenticate"]
