"""A caller cannot act as someone else: the token's subject is the only identity that counts.

The attacker names a victim everywhere a naive gateway might look for "who is paying": extra
body fields, identity-like headers (the Zilla wire header included), query parameters. Each
attempt is either refused (a body field the contract does not have) or carried out as the
attacker. Checked where it matters: the record on ``commands`` is keyed by and attributed to
the attacker, and the victim's balance, read back from the real worker's view, never moved.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.e2e.attack.conftest import Gateway, amount, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PAYER_FIELDS = [
    "payerId",
    "fromUserId",
    "from",
    "senderId",
    "sub",
    "identity",
    "zilla:identity",
    "ownerId",
    "user",
]
SPOOF_HEADERS = [
    "zilla-identity",
    "X-User-Id",
    "X-Forwarded-User",
    "X-Auth-Request-User",
    "X-Remote-User",
    "Remote-User",
    "Identity",
]
SPOOF_QUERIES = ["userId", "sub", "identity", "payerId", "user_id", "fromUserId"]


async def raw_request(gateway: Gateway, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as is (names httpx would refuse); the status and the body."""
    host, port = gateway.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_a_payer_named_in_the_body_is_refused(gateway: Gateway) -> None:
    attacker, victim, payee = await gateway.person(), await gateway.person(), await gateway.person()
    before = await gateway.balance(victim)
    for name in PAYER_FIELDS:
        body = {"userId": payee.user_id, "amount": 5, name: victim.user_id}
        assert_problem(await gateway.pay(attacker, body), 400, name, "unknown field")
        asked = await gateway.request_money(attacker, body)
        assert_problem(asked, 400, name, "unknown field")
    profile = {"name": "Evil", "username": victim.username, "id": victim.user_id}
    saved = await gateway.client.put("/current-user", json=profile, headers=attacker.auth)
    assert_problem(saved, 400, "id", "unknown field")
    await gateway.tap.sync()
    assert gateway.tap.involving(attacker.user_id, victim.user_id) == []
    assert await gateway.balance(victim) == before


async def test_identity_headers_and_query_parameters_are_ignored(gateway: Gateway) -> None:
    attacker, victim, payee = await gateway.person(), await gateway.person(), await gateway.person()
    victim_before = await gateway.balance(victim)
    paid = amount(0)
    attempts: list[tuple[str, dict[str, str], str]] = [
        *((f"header {h}", {h: victim.user_id}, "") for h in SPOOF_HEADERS),
        *((f"query {q}", {}, f"?{q}={victim.user_id}") for q in SPOOF_QUERIES),
    ]
    for what, hdrs, query in attempts:
        body = {"userId": payee.user_id, "amount": 0.01, "notes": what}
        response = await gateway.client.post(
            "/pay" + query,
            json=body,
            headers={**attacker.auth, **hdrs, "Prefer": "wait=20", "Idempotency-Key": what},
        )
        assert response.status_code == 200, (what, response.text)
        paid += amount("0.01")
        # The reply's balance is the payer's: the attacker's, down by everything paid so far.
        assert amount(response.json()["balance"]) == amount("100.00") - paid, what
    await gateway.tap.sync()
    mine = [r for r in gateway.tap.records if r.value.get("userId") == payee.user_id]
    mine = [r for r in mine if r.value.get("notes", "").startswith(("header", "query"))]
    assert len(mine) == len(attempts)
    assert all(r.key == attacker.user_id and r.identity == attacker.user_id for r in mine)
    assert all(victim.user_id not in str(r.headers) for r in mine)
    assert await gateway.balance(victim) == victim_before


async def test_the_zilla_identity_header_cannot_be_sent_by_a_client(gateway: Gateway) -> None:
    """``zilla:identity`` is not even a valid HTTP header name; sent raw, it changes nothing."""
    attacker, victim, payee = await gateway.person(), await gateway.person(), await gateway.person()
    before = await gateway.balance(victim)
    body = f'{{"userId":"{payee.user_id}","amount":0.01,"notes":"zilla"}}'.encode()
    request = (
        b"POST /pay HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + f"Authorization: Bearer {attacker.token}\r\n".encode()
        + f"zilla:identity: {victim.user_id}\r\n".encode()
        + b"Prefer: wait=20\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    status, _ = await raw_request(gateway, request)
    assert status in (200, 400), status
    await gateway.tap.sync()
    records = gateway.tap.involving(victim.user_id)
    assert records == [] or status == 200
    for record in gateway.tap.involving(attacker.user_id):
        assert record.key == attacker.user_id and record.identity == attacker.user_id
        assert victim.user_id not in str(record.headers)
    assert await gateway.balance(victim) == before


async def test_a_request_for_money_is_always_from_the_caller(gateway: Gateway) -> None:
    attacker, victim, payer = await gateway.person(), await gateway.person(), await gateway.person()
    response = await gateway.request_money(
        attacker,
        {"userId": payer.user_id, "amount": 3, "notes": "spoof"},
        **{"X-User-Id": victim.user_id, "zilla-identity": victim.user_id},
    )
    assert response.status_code == 201, response.text
    request_id = response.json()["id"]
    found = await gateway.read_once_there(f"/payment-requests/{request_id}", payer)
    assert found["fromUserId"] == attacker.user_id
    assert found["toUserId"] == payer.user_id
    # The victim is no party to it: they cannot see it and it is not in their open list.
    assert (
        await gateway.client.get(f"/payment-requests/{request_id}", headers=victim.auth)
    ).status_code == 404


async def test_a_profile_is_always_saved_under_the_caller(gateway: Gateway) -> None:
    attacker, victim = await gateway.person(), await gateway.person()
    name = f"Spoof {uuid.uuid4().hex[:6]}"
    saved = await gateway.client.put(
        f"/current-user?userId={victim.user_id}&id={victim.user_id}",
        json={"name": name, "username": attacker.username},
        headers={**attacker.auth, "X-User-Id": victim.user_id},
    )
    assert saved.status_code == 204, saved.text
    users = {u["id"]: u for u in (await gateway.client.get("/users", headers=attacker.auth)).json()}
    assert users[attacker.user_id]["name"] == name
    assert users[victim.user_id]["name"] == f"Attack {victim.username}"
