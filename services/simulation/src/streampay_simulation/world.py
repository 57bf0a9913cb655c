"""The simulation process: waits for the gateway, then runs the virtual users' behaviours."""

from __future__ import annotations

import asyncio
import signal

import httpx
import structlog

from streampay_simulation.config import SimulationSettings

log = structlog.get_logger(__name__)


async def wait_for_gateway(client: httpx.AsyncClient, timeout_s: float = 120.0) -> None:
    """Poll the gateway's `/healthz` until it answers 200 or `timeout_s` passes."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if asyncio.get_running_loop().time() >= deadline:
            raise TimeoutError(f"gateway at {client.base_url} did not answer /healthz")
        await asyncio.sleep(0.5)


async def run(settings: SimulationSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with httpx.AsyncClient(base_url=settings.gateway_url, timeout=10) as client:
        await wait_for_gateway(client)
        log.info(
            "simulation started", gateway=settings.gateway_url, speed=settings.simulation_speed
        )
        await stop.wait()
    log.info("simulation stopped")
