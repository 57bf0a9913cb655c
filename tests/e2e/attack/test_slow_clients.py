"""Clients that read a live view slowly or never do not hold up anyone else, nor grow memory.

What the gateway does with a slow consumer (docs/architecture.md §6: a slow client is dropped):
each stream has a queue of at most ``VIEWS_CLIENT_QUEUE`` (1,000) live records; a client that
falls further behind is dropped (``streampay_gateway_sse_dropped_total``) and its queue freed,
and a socket that accepts nothing for ``VIEWS_SEND_TIMEOUT_SECONDS`` (10 s) is closed. Readers
fan out without waiting for any client, so one stuck socket never delays the others.

Here 10 raw sockets open the same view with a tiny receive buffer and never read, and 2 read
a few bytes a second, while 3,000 records (more than a client's queue, and more than the
readers apply at once) are written to the view's topic in a burst and a normal client reads
along: it gets every record, none twice, without being dropped. Timings are measured and
recorded (``record_property``); the bounds asserted are generous. The gateway's memory does
not grow with the stuck clients: what they have not read sits in the kernel's socket buffers,
and past those in a queue of at most 1,000 records before the client is dropped.
"""

from __future__ import annotations

import asyncio
import socket
import time
from contextlib import suppress

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from streampay_contracts import Balance, encode, topics
from tests.e2e.attack.conftest import Gateway

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

STUCK, SLOW, RECORDS, MARKERS = 10, 2, 3_000, 10
MARK = 10**9  # marker records carry versions from here, so the normal client can spot them


def open_view(port: int, path: str, token: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


def metric(text: str, name: str, view: str) -> float:
    for line in text.splitlines():
        if line.startswith(f'{name}{{view="{view}"}}'):
            return float(line.split()[-1])
    return 0.0


async def test_stuck_and_slow_readers_do_not_delay_a_normal_client(
    gateway: Gateway, view_producer: AIOKafkaProducer, record_property: pytest.RecordProperty
) -> None:
    flood = await gateway.person(profile=False)  # a user only these records belong to
    port = int(gateway.base_url.rsplit(":", 1)[1])
    before = await gateway.metrics()
    dropped_before = metric(before, "streampay_gateway_sse_dropped_total", "balance-histories")
    rss_before = gateway.rss_kib()
    stuck = [open_view(port, "/balance-histories", flood.token) for _ in range(STUCK + SLOW)]
    slow, stuck = stuck[:SLOW], stuck[SLOW:]
    stop = asyncio.Event()

    async def sip(sock: socket.socket) -> None:
        sock.setblocking(False)
        while not stop.is_set():
            with suppress(BlockingIOError, OSError):
                sock.recv(256)
            await asyncio.sleep(0.5)

    sippers = [asyncio.create_task(sip(sock)) for sock in slow]
    latencies: list[float] = []
    try:
        async with gateway.sse("/balance-histories", flood.token) as normal:
            await normal.until("ready", within=15)
            sent_at: dict[int, float] = {}
            started = time.monotonic()
            per_marker = RECORDS // MARKERS
            for n in range(RECORDS):
                version = MARK + n // per_marker if n % per_marker == 0 else n + 1
                value = Balance.model_validate(
                    {"balance": 100, "timestamp": 1_795_000_000_000 + n, "version": version}
                )
                await view_producer.send(
                    topics.BALANCE_HISTORIES, encode(value), key=flood.user_id.encode()
                )
                if version >= MARK:
                    sent_at[version] = time.monotonic()
            await view_producer.flush()
            produced_s = time.monotonic() - started
            received = 0
            while len(latencies) < MARKERS:
                event = await normal.next(within=30)
                received += 1
                version = int(event.data.rsplit('"version":', 1)[1].rstrip("}"))
                if version >= MARK:
                    latencies.append(time.monotonic() - sent_at[version])
            while received < RECORDS:
                event = await normal.next(within=30)
                received += 1
            total_s = time.monotonic() - started
        after = await gateway.metrics()
        dropped = metric(after, "streampay_gateway_sse_dropped_total", "balance-histories")
        rss_after = gateway.rss_kib()
        record_property("marker_latency_max_s", round(max(latencies), 3))
        record_property("produce_s", round(produced_s, 2))
        record_property("normal_client_all_records_s", round(total_s, 2))
        record_property("stuck_dropped", dropped - dropped_before)
        record_property("gateway_rss_growth_kib", rss_after - rss_before)
        print(
            f"produced {RECORDS} in {produced_s:.2f} s; the normal client had them all after "
            f"{total_s:.2f} s; marker latency max {max(latencies):.3f} s; dropped "
            f"{dropped - dropped_before:.0f}; RSS {rss_before} -> {rss_after} KiB"
        )
        assert received == RECORDS  # nothing lost or duplicated for the normal client
        assert max(latencies) < 15, latencies
        assert rss_after - rss_before < 200 * 1024
        await gateway.healthy()
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as client:
            assert (await client.get("/users", headers=flood.auth)).status_code == 200
    finally:
        stop.set()
        for task in sippers:
            task.cancel()
        for sock in stuck + slow:
            sock.close()
