"""Thousands of idle connections and hundreds of half-sent requests do not lock anyone out.

2,000 TCP connections that never send a byte and 300 slowloris requests (a header line every
2 s, never finished) are held open against the gateway on 127.0.0.1 while a normal user signs
in, reads, pays and opens a live view. Then the gateway is expected to shed them by itself: a
request head must be complete within ``HTTP_HEAD_TIMEOUT_SECONDS`` (15 s by default), so the
idle ones are closed and the slow ones answered 408, and its open files fall back.
"""

from __future__ import annotations

import asyncio
import resource
import selectors
import socket
import time
from contextlib import suppress

import pytest

from tests.e2e.attack.conftest import Gateway

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

IDLE, SLOW = 2000, 300
HEAD_TIMEOUT_S = 15  # the gateway's default HTTP_HEAD_TIMEOUT_SECONDS


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def connect_many(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def closed_or_answered(sockets: list[socket.socket], within: float) -> dict[str, int]:
    """Wait until the server closed each socket; what each got: nothing, or a status code."""
    outcome: dict[str, int] = {}
    received: dict[int, bytes] = {}
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + within
    open_count = len(sockets)
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, BlockingIOError):
                chunk = b""
            if chunk:
                received[sock.fileno()] = received.get(sock.fileno(), b"") + chunk
                continue
            data = received.pop(sock.fileno(), b"")
            status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1") else "none"
            outcome[status] = outcome.get(status, 0) + 1
            selector.unregister(sock)
            open_count -= 1
    selector.close()
    outcome["still open"] = open_count
    return outcome


async def normal_traffic(gateway: Gateway) -> list[float]:
    """A normal user's visit; the time each step took."""
    timings = []
    started = time.monotonic()
    user, payee = await gateway.person(), await gateway.person()
    timings.append(time.monotonic() - started)
    for _ in range(10):
        started = time.monotonic()
        response = await gateway.client.get("/users", headers=user.auth)
        assert response.status_code == 200
        timings.append(time.monotonic() - started)
    started = time.monotonic()
    paid = await gateway.pay(user, {"userId": payee.user_id, "amount": 1})
    assert paid.status_code == 200, paid.text
    timings.append(time.monotonic() - started)
    started = time.monotonic()
    assert (await gateway.balance(payee))["balance"] is not None
    timings.append(time.monotonic() - started)
    return timings


async def test_idle_and_slowloris_connections_do_not_lock_users_out(
    gateway: Gateway, record_property: pytest.RecordProperty
) -> None:
    raise_fd_limit(IDLE + SLOW + 1024)
    port = int(gateway.base_url.rsplit(":", 1)[1])
    fds_before = gateway.open_fds()
    idle = await asyncio.to_thread(connect_many, port, IDLE)
    slow = await asyncio.to_thread(connect_many, port, SLOW)
    try:
        for sock in slow:
            sock.send(b"GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\n")

        async def trickle() -> None:
            for n in range(HEAD_TIMEOUT_S // 3):  # stops before the deadline, so no reset
                await asyncio.sleep(2)
                for sock in slow:
                    with suppress(OSError):  # answered and closed already
                        sock.send(f"X-Slow-{n}: {n}\r\n".encode())

        trickling = asyncio.create_task(trickle())
        held = fds_before + (IDLE + SLOW) // 2
        fds_held = await gateway.fds_once(lambda count: count >= held)
        timings = await asyncio.wait_for(normal_traffic(gateway), 60)
        record_property("normal_step_seconds_max", round(max(timings), 3))
        print(f"fds before {fds_before}, while held {fds_held}; slowest step {max(timings):.3f} s")
        assert max(timings) < 20, timings  # generous: the machine is shared
        assert fds_held >= held, "the connections were not held"

        shed = await asyncio.to_thread(closed_or_answered, idle, HEAD_TIMEOUT_S + 30)
        answered = await asyncio.to_thread(closed_or_answered, slow, 20)
        trickling.cancel()
        print(f"idle connections: {shed}; slowloris: {answered}")
        record_property("idle_outcome", str(shed))
        assert shed == {"none": IDLE, "still open": 0}, shed
        assert answered == {"408": SLOW, "still open": 0}, answered
        released = await gateway.fds_once(lambda count: count < fds_before + 100)
        assert released < fds_before + 100
        await gateway.healthy()
    finally:
        for sock in idle + slow:
            sock.close()
