"""Hostile resumers: many clients resume ``/activities`` from the very start of its history and
never read, while health checks and payments arrive on new connections.

Each resume is owed every activity; the gateway replays them in paced slices (see the gateway
README, "Live views"), so a health check or a payment should wait for a slice at most. The
attack tier asserts generous bounds on the same measurement; the bench records the figures.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import httpx

from streampay_infra.bench.clients import activities_request
from streampay_infra.bench.report import percentiles

RESUMERS, HEALTH_SAMPLES, PAYMENTS = 500, 100, 20
FROM_THE_START = "activities@0=0,1=0,2=0"


def open_resumers(
    port: int, tokens: list[str], receive_buffer: int = 0, into: list[socket.socket] | None = None
) -> list[socket.socket]:
    """A connection per token (added to ``into`` as it opens), each resuming from the start and
    never reading; with a ``receive_buffer``, one that small, so that its replay stalls."""
    sockets = [] if into is None else into
    for token in tokens:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        sock.sendall(activities_request(token, FROM_THE_START))
        sockets.append(sock)
    return sockets


def answered(resumers: list[socket.socket], count: int, within: float) -> int:
    """How many resumers got their response head, waiting up to ``within`` s for ``count``."""
    deadline = time.monotonic() + within
    while True:
        heads = 0
        for sock in list(resumers):
            with suppress(BlockingIOError):
                head = sock.recv(16, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                heads += head.startswith(b"HTTP/1.1 200")
        if heads >= count or time.monotonic() > deadline:
            return heads
        time.sleep(0.1)


def fresh_connections(base_url: str) -> httpx.AsyncClient:
    """A client that opens a new connection for every request."""
    limits = httpx.Limits(max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits)


async def timed(request: Awaitable[int]) -> float:
    """Seconds the request took; it must be answered 200 (its status is what it returns)."""
    started = time.monotonic()
    status = await request
    if status != 200:
        raise RuntimeError(f"answered {status}, not 200")
    return time.monotonic() - started


async def under_resumers(
    base_url: str,
    resumer_tokens: list[str],
    pay: Callable[[httpx.AsyncClient], Awaitable[int]],
) -> dict[str, Any]:
    """With a resumer per token connected: seconds of each health check and each payment on a
    new connection, and how many resumes were answered."""
    port = int(base_url.rsplit(":", 1)[1])
    resumers: list[socket.socket] = []
    try:
        await asyncio.to_thread(open_resumers, port, resumer_tokens, 0, resumers)
        health, payments = [], []
        async with fresh_connections(base_url) as fresh:
            for _ in range(HEALTH_SAMPLES):
                health.append(await timed(_status(fresh.get("/healthz"))))
                await asyncio.sleep(0.02)
            for _ in range(PAYMENTS):
                payments.append(await timed(pay(fresh)))
        heads = await asyncio.to_thread(answered, resumers, len(resumer_tokens), 60)
    finally:
        for sock in resumers:
            sock.close()
    return {"resumers": len(resumer_tokens), "answered": heads, "health": health, "pay": payments}


async def _status(request: Awaitable[httpx.Response]) -> int:
    return (await request).status_code


def run(found: dict[str, Any]) -> dict[str, Any]:
    """The report's entry: milliseconds, as percentiles."""
    return {
        "resumers": found["resumers"],
        "answered": found["answered"],
        "healthz_ms": percentiles([s * 1000 for s in found["health"]]),
        "pay_ms": percentiles([s * 1000 for s in found["pay"]]),
    }
