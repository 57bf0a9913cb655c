"""Registering the bench's users the way a person does (through the gateway), and waiting until
the write model has granted each of them their starting balance."""

from __future__ import annotations

import asyncio
import time

import httpx

from streampay_contracts import Balance, codec, topics
from streampay_infra.bench_worker.wire import follow_from


async def register(gateway_url: str, count: int) -> list[str]:
    """Sign ``count`` users in and save their profiles (``PUT /current-user``); their ids."""
    ids = []
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as http:
        for n in range(count):
            profile = {"username": f"bw{n}", "name": f"Bench Worker {n}"}
            token = (await http.post("/auth/token", json=profile)).raise_for_status().json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            (await http.put("/current-user", json=profile, headers=auth)).raise_for_status()
            ids.append(f"local|{profile['username']}")
    return ids


async def wait_granted(bootstrap: str, users: list[str], timeout_s: float) -> None:
    """Read ``balances`` from the start until every user has a positive balance."""
    missing = set(users)
    consumer = await follow_from(bootstrap, topics.BALANCES, from_start=True)
    try:
        deadline = time.monotonic() + timeout_s
        while missing:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(missing)} users were not granted within {timeout_s} s")
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                for record in batch:
                    if record.key is None or record.value is None:
                        continue
                    if codec.decode(record.value, Balance).balance > 0:
                        missing.discard(record.key.decode())
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
