"""Hostile bodies and request heads: a 4xx problem that says why, never a 5xx, and no effect.

Oversized bodies (declared or streamed), JSON nested 100,000 deep, numbers such as 1e999999 or
with thousands of digits, long strings, huge headers and URLs. After each, the gateway still
answers, and nothing reached the ``commands`` topic for the attacker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.attack.conftest import Gateway, Person, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

MB = 1024 * 1024
WRITE_ROUTES = [
    ("POST", "/pay"),
    ("POST", "/request"),
    ("PUT", "/current-user"),
    ("POST", "/auth/token"),
    ("POST", "/payment-requests/rq-1/decline"),
    ("POST", "/payment-requests/rq-1/cancel"),
]


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"[" * min(size, total - sent)
        sent += size


async def send(
    gateway: Gateway, method: str, path: str, who: Person, **kwargs: object
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=60) as client:
        hdrs = {**who.auth, "Content-Type": "application/json", "Prefer": "wait=5"}
        return await client.request(method, path, headers=hdrs, **kwargs)  # type: ignore[arg-type]


async def no_effect(gateway: Gateway, who: Person) -> None:
    await gateway.healthy()
    await gateway.tap.sync()
    assert gateway.tap.involving(who.user_id) == []


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
async def test_a_10_mb_body_is_refused_with_413(gateway: Gateway, method: str, path: str) -> None:
    attacker = await gateway.person(profile=False)
    declared = await send(gateway, method, path, attacker, content=b"{" * (10 * MB))
    assert_problem(declared, 413, "at most")
    streamed = await send(gateway, method, path, attacker, content=chunks(10 * MB))
    assert_problem(streamed, 413, "at most")
    await no_effect(gateway, attacker)


async def test_deeply_nested_json_is_refused(gateway: Gateway) -> None:
    attacker, payee = await gateway.person(profile=False), await gateway.person(profile=False)
    deep = 100_000
    huge = b"[" * deep + b"]" * deep
    assert_problem(await send(gateway, "POST", "/pay", attacker, content=huge), 413)
    # As deep as fits in the limit, and nested inside a field.
    for depth in (3_000, 8_000):
        nested = b'{"userId":' + b"[" * depth + b"]" * depth + b',"amount":1}'
        response = await send(gateway, "POST", "/pay", attacker, content=nested)
        assert_problem(response, 400)
    nested = b'{"a":' * 2_700 + b"1" + b"}" * 2_700
    assert_problem(await send(gateway, "POST", "/request", attacker, content=nested), 400)
    unclosed = b'{"userId":"' + payee.user_id.encode() + b'","amount":' + b"[" * 15_000
    assert_problem(await send(gateway, "POST", "/pay", attacker, content=unclosed), 400)
    await no_effect(gateway, attacker)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("1e999999", "exponent"),
        ("-1e999999", "exponent"),
        ("1E+308", "exponent"),
        ("1" * 5000, "digits"),
        ("9" * 400 + ".99", "amount"),
        ("0." + "0" * 5000 + "1", "decimal places"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("1000000.01", "amount"),
        ("99999999999999999999", "amount"),
        ("-5", "amount"),
        ("0", "amount"),
        ("0.001", "decimal places"),
        ("true", "true or false"),
        ('"12.50"', "string"),
    ],
)
async def test_hostile_amounts_are_refused_with_a_reason(
    gateway: Gateway, number: str, reason: str
) -> None:
    attacker, payee = await gateway.person(profile=False), await gateway.person(profile=False)
    body = f'{{"userId":"{payee.user_id}","amount":{number}}}'.encode()
    for path in ("/pay", "/request"):
        assert_problem(await send(gateway, "POST", path, attacker, content=body), 400, reason)
    await no_effect(gateway, attacker)


async def test_long_strings_and_bad_text_are_refused(gateway: Gateway) -> None:
    attacker, payee = await gateway.person(profile=False), await gateway.person(profile=False)
    bodies = [
        {"userId": payee.user_id, "amount": 1, "notes": "n" * 15_000},
        {"userId": "local|" + "u" * 15_000, "amount": 1},
        {"userId": payee.user_id, "amount": 1, "x" * 15_000: 1},
    ]
    for body in bodies:
        assert_problem(await send(gateway, "POST", "/pay", attacker, json=body), 400)
    raw = [
        b'{"userId":"\\ud800","amount":1}',  # an unpaired surrogate
        b'{"userId":"' + payee.user_id.encode() + b'","amount":1,"amount":1000}',
        b"\xff\xfe{}",
        b"",
        b"null",
        b"[]",
        b'"' + b"s" * 15_000 + b'"',
    ]
    for content in raw:
        assert_problem(await send(gateway, "POST", "/pay", attacker, content=content), 400)
    await no_effect(gateway, attacker)


async def test_a_body_on_a_read_route_is_ignored_or_refused(gateway: Gateway) -> None:
    attacker = await gateway.person(profile=False)
    for path in ("/users", "/current-payment-requests", "/healthz"):
        response = await send(gateway, "GET", path, attacker, content=b"[" * MB)
        assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
        assert response.status_code < 500
    await no_effect(gateway, attacker)


async def raw_exchange(gateway: Gateway, head: bytes, within: float = 30) -> bytes:
    host, port = gateway.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        await writer.drain()
        return await asyncio.wait_for(reader.read(1 << 20), within)
    except (ConnectionResetError, BrokenPipeError):
        return b""
    finally:
        writer.close()


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


async def test_huge_request_heads_are_refused(gateway: Gateway) -> None:
    """10 MB of header, or of URL, or 200,000 headers: 431 problem+json (or the connection
    closed while the client was still writing), never processed, and not kept in memory."""
    attacker = await gateway.person(profile=False)
    rss_before = gateway.rss_kib()
    header = b"GET /users HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (10 * MB) + b"\r\n\r\n"
    url = b"GET /users?q=" + b"a" * (10 * MB) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    many = b"GET /users HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200_000 + b"\r\n"
    for head in (header, url, many):
        response = await raw_exchange(gateway, head)
        assert status_of(response) in (0, 431), response[:300]
        if response:
            assert b"application/problem+json" in response and b"at most" in response
    rss_after = gateway.rss_kib()
    print(f"gateway RSS before {rss_before} KiB, after huge heads {rss_after} KiB")
    assert rss_after - rss_before < 64 * 1024
    await no_effect(gateway, attacker)
