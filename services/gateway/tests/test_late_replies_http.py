"""Commands whose reply is late, retried elsewhere, or retried after a restart."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

PAY_ONE = {"amount": 12.5, "notes": "lunch"}


def key() -> str:
    return f"key-{uuid.uuid4().hex}"


async def pay(client: httpx.AsyncClient, payer: Any, payee: Any, **extra: Any) -> httpx.Response:
    hdrs = {**payer.auth, **extra.pop("headers", {})}
    body = {"userId": payee.user_id, **PAY_ONE, **extra}
    return await client.post("/pay", json=body, headers=hdrs)


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
        # Known from `commands` only: the restarted instance waits for it, never resends it.
        waiting = await pay(restarted, alice, bob, headers={**pending_key, "Prefer": "wait=1"})
        assert waiting.status_code == 202
        await responder.release(alice.user_id)
        done = await restarted.get(
            accepted.headers["location"], headers={**alice.auth, "Prefer": "wait=5"}
        )
        assert done.status_code == 200
    assert len(responder.commands_of(alice.user_id)) == 2
