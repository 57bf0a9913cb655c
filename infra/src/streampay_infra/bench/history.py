"""View cost against history: how long an SSE client waits for `ready` when the log topics hold
10³, 10⁵ or 10⁶ records.

The records are written straight to `balance-histories` (all for one user, whose chart then
has that much history) and to `activities` (the public feed), as the worker would write them.
Before each measurement the gateway must have read them all: the user's history view has to
show the newest one. Then clients connect one after the other and time `ready`.
"""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import aiohttp
from aiokafka import AIOKafkaProducer

from streampay_contracts import Activity, Balance, encode, topics
from streampay_contracts.views import ActivityEvent
from streampay_infra.bench.clients import sse_events
from streampay_infra.bench.report import percentiles

SAMPLES = 20
CHUNK = 20_000


async def grow(bootstrap: str, user_id: str, have: int, total: int) -> float:
    """Write records `have` to `total` (exclusive) of the user's history; seconds taken."""
    began = time.monotonic()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        for start in range(have, total, CHUNK):
            sent = []
            for n in range(start, min(start + CHUNK, total)):
                now = int(time.time() * 1000)
                balance = Balance(balance=Decimal("1.00"), timestamp=now, version=n + 1)
                activity = Activity(
                    event_name=ActivityEvent.PAYMENT_RECEIVED,
                    amount=Decimal("0.01"),
                    from_user_id="local|bench0",
                    from_user_name="Bench User 0",
                    to_user_id=user_id,
                    to_user_name="History",
                    timestamp=now,
                    id=f"history:{n}",
                )
                key = user_id.encode()
                sent.append(await producer.send(topics.BALANCE_HISTORIES, encode(balance), key))
                sent.append(await producer.send(topics.ACTIVITIES, encode(activity), key))
            await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return time.monotonic() - began


async def caught_up(url: str, token: str, version: int, within: float) -> float:
    """Seconds until the user's history view shows `version` in its initial state."""
    began = time.monotonic()
    async with aiohttp.ClientSession(url, timeout=aiohttp.ClientTimeout(total=None)) as http:
        while time.monotonic() - began < within:
            async with http.get("/balance-histories", params={"access_token": token}) as r:
                async for event in sse_events(r):
                    if event.event == "ready":
                        break
                    if json.loads(event.data).get("version") == version:
                        return time.monotonic() - began
            await asyncio.sleep(1)
    raise RuntimeError(f"the gateway did not show history record {version} within {within} s")


async def connect_ms(url: str, token: str, path: str, samples: int) -> list[float]:
    """Connect-to-`ready` times of `samples` clients, one after the other."""
    found = []
    async with aiohttp.ClientSession(url, timeout=aiohttp.ClientTimeout(total=120)) as http:
        for _ in range(samples):
            began = time.perf_counter()
            async with http.get(path, params={"access_token": token}) as response:
                async for event in sse_events(response):
                    if event.event == "ready":
                        found.append((time.perf_counter() - began) * 1000)
                        break
    return found


async def measure(
    url: str, bootstrap: str, token: str, user_id: str, sizes: tuple[int, ...]
) -> list[dict[str, Any]]:
    runs = []
    have = 0
    for size in sizes:
        print(f"• view cost with {size:,} records of history", flush=True)
        wrote_s = await grow(bootstrap, user_id, have, size)
        have = size
        read_s = await caught_up(url, token, size, within=600)
        runs.append(
            {
                "records": size,
                "write_s": round(wrote_s, 1),
                "gateway_caught_up_s": round(read_s, 1),
                "balance_histories_ms": percentiles(
                    await connect_ms(url, token, "/balance-histories", SAMPLES)
                ),
                "activities_ms": percentiles(await connect_ms(url, token, "/activities", SAMPLES)),
            }
        )
    return runs
