"""Requests cannot be used to block a payer: one requester's open requests to a payer are
capped per pair, far below the payer's own cap, so everyone else can still ask."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.attack.conftest import Gateway, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PER_PAIR = 10  # STREAMS_OPEN_REQUESTS_PER_PAIR's default


async def test_one_requester_cannot_fill_a_victims_requests(gateway: Gateway) -> None:
    attacker, victim, friend = await asyncio.gather(*(gateway.person() for _ in range(3)))
    ask = {"userId": victim.user_id, "amount": 0.01}
    for _ in range(PER_PAIR):
        assert (await gateway.request_money(attacker, ask)).status_code == 201

    flooded = await gateway.request_money(attacker, ask)

    assert_problem(flooded, 409, f"{PER_PAIR} open requests to")
    assert victim.user_id not in flooded.json()["detail"]  # the payer's name, not an id
    asked = await gateway.request_money(friend, {"userId": victim.user_id, "amount": 5})
    assert asked.status_code == 201, asked.text
