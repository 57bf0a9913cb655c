"""A virtual user answers a request the moment it opens, by following its live view.

Nothing in this test polls on the virtual user's behalf: a person asks a virtual user for
money through the gateway, and the virtual user's follower (an SSE stream of its open
requests) pays it; the payment is logged with its status.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
import pytest
from structlog.testing import capture_logs

from streampay_infra.stack import Stack
from streampay_simulation import behaviours
from streampay_simulation.adapters.bank import Bank
from streampay_simulation.adapters.gateway import GatewayClient
from streampay_simulation.answers import RequestFollowers
from streampay_simulation.config import SimulationSettings
from streampay_simulation.runner import make_world

pytestmark = pytest.mark.e2e


async def test_a_request_to_a_virtual_user_is_paid_as_it_opens(services: Stack) -> None:
    settings = SimulationSettings(
        gateway_url=services.config.gateway_url,
        kafka_bootstrap_servers=services.config.bootstrap_servers,
        simulation_seed=5,
    )
    bank = Bank(settings.kafka_bootstrap_servers, 30)
    await bank.start()
    async with httpx.AsyncClient(base_url=settings.gateway_url, timeout=30) as client:
        world = make_world(settings, GatewayClient(client, 30), bank)
        followers = RequestFollowers(world)
        world.joined = followers.follow
        try:
            with capture_logs() as logged:
                await behaviours.new_virtual_user(world)
                (virtual,) = world.virtual
                username = f"asker{uuid.uuid4().hex[:8]}"
                grant = await client.post(
                    "/auth/token", json={"username": username, "name": "Ask Er"}
                )
                auth = {"Authorization": f"Bearer {grant.json()['access_token']}"}
                profile = {"name": "Ask Er", "username": username}
                assert (
                    await client.put("/current-user", json=profile, headers=auth)
                ).status_code == 204
                asked = await client.post(
                    "/request",
                    content=f'{{"userId": "{virtual}", "amount": 1.25}}',
                    headers={**auth, "Content-Type": "application/json", "Prefer": "wait=20"},
                )
                assert asked.status_code == 201, asked.text
                request_id = asked.json()["id"]
                for _ in range(100):
                    seen = await client.get(f"/payment-requests/{request_id}", headers=auth)
                    if seen.status_code == 404:  # closed: paid (or declined)
                        break
                    await asyncio.sleep(0.1)
                else:
                    pytest.fail("the virtual user never answered the request")
                for _ in range(50):
                    if any(e["event"] == "request answered" for e in logged):
                        break
                    await asyncio.sleep(0.1)
        finally:
            await followers.stop()
            await bank.stop()
    answered = [e for e in logged if e["event"] == "request answered"]
    assert answered and answered[0]["payer"] == virtual
    assert answered[0]["amount"] == str(Decimal("1.25")) and answered[0]["status"] == 200
    assert ("PayCommand", 200) in world.stats.by_command
