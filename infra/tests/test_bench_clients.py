"""The fan-out bench's client: what it finds in the bytes of a stream, however they are split."""

from __future__ import annotations

import asyncio

import pytest

from streampay_infra.bench.clients import READY, Watcher

pytestmark = pytest.mark.unit

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n"
MARKER = b"fanout-0123456789"


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


def watcher() -> tuple[Watcher, Transport]:
    found = Watcher(b"GET /activities HTTP/1.1\r\n\r\n", MARKER)
    transport = Transport()
    found.connection_made(transport)  # type: ignore[arg-type]
    return found, transport


def stream(*events: bytes) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in events)
    return HEAD + body


async def test_ready_then_the_marker_are_found_across_any_split_of_the_bytes() -> None:
    whole = stream(
        b'data: {"notes":"other"}\r\n\r\n',
        b"id: 1" + READY + b"data: {}\r\n\r\n",
        b'data: {"notes":"' + MARKER + b'"}\r\n\r\n',
    )
    for size in (1, 2, 7, 16, 64, len(whole)):
        found, transport = watcher()
        assert transport.written == [b"GET /activities HTTP/1.1\r\n\r\n"]
        for at in range(0, len(whole), size):
            found.data_received(whole[at : at + size])
        assert found.ready.done() and found.arrived.done(), size
        assert isinstance(found.ready.result(), float) and found.arrived.result() > 1e9


async def test_a_marker_before_ready_does_not_count() -> None:
    found, _ = watcher()
    found.data_received(stream(b'data: {"notes":"' + MARKER + b'"}\r\n\r\n'))
    assert not found.arrived.done()
    found.data_received(b"x" + READY + b"y")
    assert found.ready.done() and not found.arrived.done()


async def test_a_refused_stream_fails_its_client() -> None:
    found, _ = watcher()
    found.data_received(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")
    with pytest.raises(ConnectionError, match="503"):
        await asyncio.wait_for(found.ready, 1)


async def test_a_stream_that_ends_early_fails_what_its_client_awaits() -> None:
    found, _ = watcher()
    found.data_received(stream(b"id: 1" + READY + b"data: {}\r\n\r\n"))
    found.connection_lost(None)
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(found.arrived, 1)
