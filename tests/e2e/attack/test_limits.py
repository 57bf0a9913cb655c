"""A request body has a deadline, and connections are capped per client address and in total.

A body trickled at a byte a second is answered 408 once ``HTTP_BODY_TIMEOUT_SECONDS`` (10 s by
default) have passed since its head, and the connection is closed; nothing is produced. On a
gateway with small caps, one connection more than ``HTTP_MAX_CONNECTIONS_PER_ADDRESS`` from an
address gets a 503 problem with ``Retry-After`` (another address is still served), and one more
than ``HTTP_MAX_CONNECTIONS`` in all gets a 503 whatever its address; once connections close,
new ones are served again.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import suppress

import pytest

from streampay_contracts.headers import PROBLEM_CONTENT_TYPE
from streampay_infra.stack import Stack
from tests.e2e.attack.conftest import Gateway, another_gateway

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PER_ADDRESS, TOTAL = 8, 12


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.settimeout(30)
    return sock


def answer(sock: socket.socket) -> tuple[int, dict[str, str], dict[str, object]]:
    """The response on ``sock`` (read until the server closes it): status, headers, body."""
    data = b""
    with suppress(OSError):
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), data[:200]
    fields = dict(line.split(": ", 1) for line in lines[1:])
    headers = {name.lower(): value for name, value in fields.items()}
    return int(lines[0].split()[1]), headers, json.loads(body) if body else {}


def get(
    sock: socket.socket, path: str = "/healthz"
) -> tuple[int, dict[str, str], dict[str, object]]:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n".encode())
    return answer(sock)


async def test_a_body_trickled_past_the_deadline_is_answered_408(gateway: Gateway) -> None:
    attacker, payee = await gateway.person(), await gateway.person(profile=False)
    body = json.dumps({"userId": payee.user_id, "amount": 1, "notes": "x" * 200}).encode()
    port = int(gateway.base_url.rsplit(":", 1)[1])
    sock = await asyncio.to_thread(connect, port)
    head = (
        "POST /pay HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {attacker.token}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode())

    async def trickle() -> int:
        """Sends the body a byte a second (minutes in all); how many bytes went out."""
        for sent, byte in enumerate(body):
            try:
                sock.send(bytes([byte]))
            except OSError:
                return sent
            await asyncio.sleep(1)
        return len(body)

    trickling = asyncio.create_task(trickle())
    try:
        status, headers, problem = await asyncio.to_thread(answer, sock)
    finally:
        trickling.cancel()
        sock.close()
    assert status == 408, (status, problem)
    assert headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
    assert "body" in str(problem["detail"]), problem
    await gateway.tap.sync()
    assert gateway.tap.involving(attacker.user_id, payee.user_id) == []
    await gateway.healthy()


@pytest.fixture(scope="module")
def capped(services: Stack) -> Iterator[int]:
    """The port of a gateway of the stack with small connection caps."""
    env = {
        "HTTP_MAX_CONNECTIONS_PER_ADDRESS": str(PER_ADDRESS),
        "HTTP_MAX_CONNECTIONS": str(TOTAL),
        "HTTP_HEAD_TIMEOUT_SECONDS": "120",  # the held connections stay open for the test
    }
    with another_gateway(services, "gateway-capped", env) as url:
        yield int(url.rsplit(":", 1)[1])


def refused(sock: socket.socket, *words: str) -> None:
    status, headers, problem = get(sock)
    assert status == 503, (status, problem)
    assert headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
    assert int(headers["retry-after"]) > 0
    assert all(word in str(problem["detail"]) for word in words), problem


def test_connections_are_capped_per_address_and_in_total(capped: int) -> None:
    held = [connect(capped) for _ in range(PER_ADDRESS)]
    try:
        refused(connect(capped), "too many connections from your address", str(PER_ADDRESS))
        assert get(connect(capped, "127.0.0.2"))[0] == 200  # another address is served
        held += [connect(capped, "127.0.0.2") for _ in range(TOTAL - PER_ADDRESS)]
        refused(connect(capped, "127.0.0.3"), "limit of", str(TOTAL))
    finally:
        for sock in held:
            sock.close()
    for source in ("127.0.0.1", "127.0.0.3"):  # served again once the others are gone
        statuses = []
        for _ in range(50):
            statuses.append(get(connect(capped, source))[0])
            if statuses[-1] == 200:
                break
        assert statuses[-1] == 200, statuses
