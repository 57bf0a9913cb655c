"""The library internals the gateway builds on, pinned in services/gateway/pyproject.toml.

The live views subclass sse-starlette's response and event (``views/sse.py``,
``views/stream.py``) and the server guards subclass uvicorn's httptools protocol
(``http/serving.py``), relying on names those libraries do not promise to keep. Each test here fails
loudly, naming what changed, when an upgrade moves one of them: read the new release, adapt the
subclass, then widen the pin.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import SendTimeoutError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from streampay_gateway.http.serving import DIRECT_BODY, GuardedHttpToolsProtocol
from streampay_gateway.views.sse import EventStream
from streampay_gateway.views.stream import EventBatch, RecordEvent

pytestmark = pytest.mark.unit


def assigned(cls: type, *names: str) -> list[str]:
    """Which of ``self.<name>`` are not assigned anywhere in ``cls``'s own source."""
    source = inspect.getsource(cls)
    return [name for name in names if f"self.{name} =" not in source]


# -- sse-starlette -------------------------------------------------------------------------------


def test_sse_starlette_still_sends_every_message_through_send_with_timeout() -> None:
    """``EventStream`` overrides ``_send_with_timeout`` (asyncio's timeout, the direct body)."""
    method = EventSourceResponse._send_with_timeout
    assert list(inspect.signature(method).parameters) == ["self", "send", "message"]
    assert inspect.iscoroutinefunction(method)
    streaming = inspect.getsource(EventSourceResponse._stream_response)
    assert "self._send_with_timeout(" in streaming, "chunks no longer go through the override"
    assert issubclass(SendTimeoutError, TimeoutError)
    assert "send_timeout" in inspect.signature(EventSourceResponse).parameters


async def test_an_event_stream_writes_its_chunks_through_the_servers_direct_send() -> None:
    """The whole path on the installed library: start and end through the app's ``send``, each
    event's bytes through the server's, framed by the events' own ``encode``."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        yield RecordEvent('{"a":1}', event="balance", id="7")
        yield EventBatch([RecordEvent("2", event="x"), ServerSentEvent(comment="beat")])

    through_app: list[dict[str, Any]] = []
    direct: list[bytes] = []

    async def send(message: Any) -> None:
        through_app.append(message)

    async def send_direct(message: Any) -> None:
        direct.append(message["body"])

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # the client stays connected
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "GET",
        "headers": [],
        "extensions": {DIRECT_BODY: {"send": send_direct}},
    }
    response = EventStream(events(), ping=0, send_timeout=5)
    await asyncio.wait_for(response(scope, receive, send), 10)

    assert direct == [
        b'id: 7\r\nevent: balance\r\ndata: {"a":1}\r\n\r\n',
        b"event: x\r\ndata: 2\r\n\r\n: beat\r\n\r\n",
    ]
    assert [m["type"] for m in through_app] == ["http.response.start", "http.response.body"]
    assert through_app[-1]["more_body"] is False


def test_a_record_event_is_framed_exactly_as_the_library_frames_it() -> None:
    """``RecordEvent`` frames single-line data itself, with the event's ``_sep``."""
    assert "_sep" in inspect.getsource(ServerSentEvent.__init__)
    for kwargs in ({"event": "balance", "id": "3"}, {}, {"event": "e"}, {"id": "9"}):
        ours = RecordEvent('{"balance":1.00}', **kwargs).encode()
        theirs = ServerSentEvent('{"balance":1.00}', **kwargs).encode()
        assert ours == theirs, kwargs


# -- uvicorn -------------------------------------------------------------------------------------


def test_uvicorns_httptools_protocol_keeps_what_the_guards_use() -> None:
    """``GuardedHttpToolsProtocol`` reads these attributes and overrides these callbacks."""
    missing = assigned(
        HttpToolsProtocol,
        "connections",
        "client",
        "transport",
        "loop",
        "cycle",
        "url",
        "headers",
        "scope",
    )
    assert not missing, f"HttpToolsProtocol no longer sets {missing}"
    overridden = {
        "connection_made": ["self", "transport"],
        "connection_lost": ["self", "exc"],
        "data_received": ["self", "data"],
        "on_message_begin": ["self"],
        "on_headers_complete": ["self"],
        "on_body": ["self", "body"],
        "on_message_complete": ["self"],
    }
    for name, parameters in overridden.items():
        theirs = getattr(HttpToolsProtocol, name)
        assert list(inspect.signature(theirs).parameters) == parameters, name
        assert name in GuardedHttpToolsProtocol.__dict__, name


def test_uvicorns_request_cycle_keeps_its_send_and_progress_flags() -> None:
    """The guards hand ``cycle.send`` to live views and read whether a response has begun or
    ended before answering 408."""
    missing = assigned(RequestResponseCycle, "scope", "response_started", "response_complete")
    assert not missing, f"RequestResponseCycle no longer sets {missing}"
    assert list(inspect.signature(RequestResponseCycle.send).parameters) == ["self", "message"]
    assert inspect.iscoroutinefunction(RequestResponseCycle.send)
