"""What the bench reads off the running stack: CPU and memory of its processes, and freshness."""

from __future__ import annotations

import asyncio
import os
import time
from decimal import Decimal

import aiohttp

from streampay_contracts import PayCommand, codec
from streampay_contracts.client import command_call
from streampay_infra.bench.clients import sse_events

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of ``pid`` and its waited-for children so far."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()  # noqa: SIM115
    return sum(int(value) for value in fields[11:15]) / TICKS


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status").read().splitlines():  # noqa: SIM115
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Cpu:
    """CPU share of each process from now until :meth:`shares` (1.0 = one core busy)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.started = time.monotonic()
        self.before = {name: cpu_seconds(pid) for name, pid in pids.items()}

    def used(self) -> tuple[dict[str, float], float]:
        """CPU seconds each process used since, and the wall seconds that passed."""
        wall = time.monotonic() - self.started
        return {name: cpu_seconds(pid) - self.before[name] for name, pid in self.pids.items()}, wall

    def shares(self) -> dict[str, float]:
        wall = time.monotonic() - self.started
        return {
            name: round((cpu_seconds(pid) - self.before[name]) / wall, 3)
            for name, pid in self.pids.items()
        }


async def freshness(url: str, payer: str, payee: str, payee_id: str, samples: int) -> list[float]:
    """Milliseconds from each payment's reply to the payee's SSE event showing that payment.

    Credits of earlier load may still be arriving, so each sample waits for the payee's balance
    to be quiet, then takes the first event that shows the new cent, not just any event.
    """
    found: list[float] = []
    arrivals: asyncio.Queue[tuple[float, Decimal]] = asyncio.Queue()
    async with aiohttp.ClientSession(url, timeout=aiohttp.ClientTimeout(total=None)) as http:
        params = {"access_token": payee}
        async with http.get("/current-balance", params=params) as stream:
            latest = Decimal(0)
            live = asyncio.Event()

            async def listen() -> None:
                nonlocal latest
                async for event in sse_events(stream):
                    if event.event == "ready":
                        live.set()
                    elif '"balance"' in event.data:
                        latest = Decimal(codec.loads(event.data.encode())["balance"])
                        arrivals.put_nowait((time.perf_counter(), latest))

            listener = asyncio.create_task(listen())
            await asyncio.wait_for(live.wait(), 30)
            for _ in range(samples):
                await _quiet(arrivals, 0.5)
                expected = latest + Decimal("0.01")
                replied = await _pay(http, payer, payee_id)
                while True:
                    arrived, balance = await asyncio.wait_for(arrivals.get(), 30)
                    if balance >= expected:
                        break
                found.append(round((arrived - replied) * 1000, 2))
            listener.cancel()
    return found


async def _quiet(arrivals: asyncio.Queue[tuple[float, Decimal]], seconds: float) -> None:
    """Wait until no event has come for ``seconds``, dropping those that did."""
    while True:
        try:
            await asyncio.wait_for(arrivals.get(), seconds)
        except TimeoutError:
            return


async def _pay(http: aiohttp.ClientSession, token: str, payee: str) -> float:
    call = command_call(token, PayCommand(user_id=payee, amount=Decimal("0.01")))
    async with http.request(
        call.method, call.path, data=call.content, headers=call.headers
    ) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"freshness payment answered {response.status}")
    return time.perf_counter()
