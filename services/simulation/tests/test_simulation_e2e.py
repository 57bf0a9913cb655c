"""The simulation against the real stack: a short fast run, then a restart.

Virtual users act through the real gateway and the bank through Kafka, so this checks the
whole write path under a mixed load: every command answered, no server error, the virtual
population capped, every request addressed to a virtual user answered, and the ledger audit
passing (money supply == deposits).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from streampay_contracts import topics
from streampay_contracts.reading import keyed, read_to_end
from streampay_infra.audit import audit
from streampay_infra.stack import Stack
from streampay_simulation import behaviours, runner
from streampay_simulation.adapters.gateway import GatewayClient
from streampay_simulation.config import SimulationSettings
from streampay_simulation.runner import make_world
from streampay_simulation.smoke import run_for, verdict
from streampay_simulation.world import World

pytestmark = pytest.mark.e2e

CAP = 5


async def until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(0.5)


def settings_for(stack: Stack) -> SimulationSettings:
    return SimulationSettings(
        gateway_url=stack.config.gateway_url,
        kafka_bootstrap_servers=stack.config.bootstrap_servers,
        simulation_speed=25,
        simulation_seed=11,
        simulation_max_virtual_users=CAP,
    )


async def real_user(stack: Stack) -> str:
    """A person signed in through the gateway, so real-user behaviours have someone to serve."""
    username = f"real{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=stack.config.gateway_url) as http:
        grant = await http.post("/auth/token", json={"username": username, "name": "Rea L"})
        auth = {"Authorization": f"Bearer {grant.json()['access_token']}"}
        saved = await http.put(
            "/current-user", json={"name": "Rea L", "username": username}, headers=auth
        )
        assert saved.status_code == 204
    return f"local|{username}"


async def no_open_requests(world: World) -> bool:
    """Answer what is open, then check that no virtual user has an open request left."""
    await behaviours.answer_requests(world)
    for user_id in sorted(world.virtual):
        if await world.gateway.open_requests(await world.session(user_id)):
            return False
    return True


async def test_a_fast_run_then_a_restart(services: Stack) -> None:
    await real_user(services)
    world = await run_for(settings_for(services), 25)
    stats = world.stats

    assert verdict(stats) == [], stats.summary()
    assert len(world.virtual) == CAP
    accepted = {command for (command, status), n in stats.by_command.items() if status < 300}
    assert {"PayCommand", "RequestCommand", "DepositCommand"} <= accepted, stats.summary()
    assert stats.deposited > 0

    # The run is over: answer what is still open as the same virtual users, with a new client.
    async with httpx.AsyncClient(base_url=services.config.gateway_url, timeout=30) as client:
        settings = settings_for(services)
        answering = make_world(settings, GatewayClient(client, 30), world.bank)
        await answering.rebuild()
        assert sorted(answering.virtual) == sorted(world.virtual)
        await until(
            lambda: no_open_requests(answering), 60, "every request to a virtual user answered"
        )

    last: list[str] = []

    async def audited() -> bool:
        # Only the simulation's users: other suites of the session write views of their own.
        report = await audit(services.config.bootstrap_servers, set(world.virtual))
        last[:] = report.lines()
        return report.ok

    try:
        await until(audited, 60, "a clean audit of the ledger and the views")
    except AssertionError as failed:
        raise AssertionError("\n".join([str(failed), *last])) from None

    restarted = await run_for(settings_for(services), 4)
    assert sorted(restarted.virtual) == sorted(world.virtual)
    names = {uid: s.name for uid, s in world.virtual.items()}
    assert {uid: s.name for uid, s in restarted.virtual.items()} == names


async def test_a_newcomer_gets_money_from_the_bank_within_minutes(services: Stack) -> None:
    """Someone who signs up while the simulation runs is topped up at the bank's next turn:
    within 6 s at 25 times the speed, 2.5 minutes of the demo (one top-up every ~30 s), even
    among 30 other real users (one picked at random would rarely be the newcomer)."""
    await asyncio.gather(*(real_user(services) for _ in range(30)))
    stop = asyncio.Event()
    running = asyncio.create_task(runner.run(settings_for(services), stop))
    try:
        await asyncio.sleep(3)  # under way, with the real users of earlier tests to serve
        newcomer = await real_user(services)

        async def topped_up() -> bool:
            records, _ = await read_to_end(services.config.bootstrap_servers, topics.TRANSACTIONS)
            legs = keyed(records)
            return any(
                key == newcomer and b"Welcome money" in (value or b"") for key, value in legs
            )

        await until(topped_up, 6, "a top-up of the newcomer")
    finally:
        stop.set()
        await running
