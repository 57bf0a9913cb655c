"""Runs the virtual users' behaviours, each on its own jittered schedule, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import random

import httpx
import structlog
from faker import Faker

from streampay_contracts.client import ApiError
from streampay_simulation.adapters.bank import Bank
from streampay_simulation.adapters.gateway import GatewayClient
from streampay_simulation.answers import RequestFollowers
from streampay_simulation.behaviours import Behaviour, schedule
from streampay_simulation.config import SimulationSettings
from streampay_simulation.stats import Outcome
from streampay_simulation.world import World

log = structlog.get_logger(__name__)


async def wait_for_gateway(client: httpx.AsyncClient, timeout_s: float = 120.0) -> None:
    """Poll the gateway's `/healthz` until it answers 200 or `timeout_s` passes."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/healthz")).status_code == 200:
                return
        if asyncio.get_running_loop().time() >= deadline:
            raise TimeoutError(f"gateway at {client.base_url} did not answer /healthz")
        await asyncio.sleep(0.5)


async def run(settings: SimulationSettings, stop: asyncio.Event) -> World:
    """Run the simulation until `stop` is set; returns the world, with what it did in `stats`."""
    bank = Bank(settings.kafka_bootstrap_servers, settings.simulation_reply_timeout_s)
    async with httpx.AsyncClient(base_url=settings.gateway_url, timeout=30) as client:
        await wait_for_gateway(client)
        await bank.start()
        try:
            world = make_world(
                settings, GatewayClient(client, settings.simulation_reply_timeout_s), bank
            )
            followers = RequestFollowers(world)
            world.joined = followers.follow
            await world.rebuild()
            log.info(
                "simulation started",
                gateway=settings.gateway_url,
                speed=settings.simulation_speed,
                virtual_users=len(world.virtual),
            )
            try:
                async with asyncio.TaskGroup() as group:
                    for behaviour, period in schedule(world):
                        group.create_task(_repeat(world, behaviour, period, stop))
            finally:
                await followers.stop()
        finally:
            await bank.stop()
    log.info("simulation stopped", sent=world.stats.sent)
    return world


def make_world(settings: SimulationSettings, gateway: GatewayClient, bank: Bank) -> World:
    rng = random.Random(settings.simulation_seed)  # noqa: S311 - a simulation, not security
    faker = Faker()
    faker.seed_instance(settings.simulation_seed)
    return World(settings=settings, gateway=gateway, bank=bank, rng=rng, faker=faker)


async def _repeat(world: World, behaviour: Behaviour, period: float, stop: asyncio.Event) -> None:
    name = behaviour.__name__
    while not stop.is_set():
        delay = world.rng.uniform(0.5, 1.5) * period / world.settings.simulation_speed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return
        try:
            await behaviour(world)
        except ApiError as error:
            world.stats.record(Outcome(name, error.answer.status, str(error)))
            log.warning("behaviour refused", behaviour=name, status=error.answer.status)
        except (httpx.TransportError, OSError) as error:
            world.stats.record(Outcome(name, 503, str(error)))
            log.warning("gateway unreachable", behaviour=name, error=str(error))
