"""The library internals the gateway builds on, pinned in services/gateway/pyproject.toml.

The live views subclass sse-starlette's event (``views/stream.py``) and the server guards and
stream channel build on uvicorn's httptools protocol (``http/serving.py``), relying on names
those libraries do not promise to keep. Each test here fails loudly, naming what changed, when an
upgrade moves one of them: read the new release, adapt the subclass, then widen the pin.
"""

from __future__ import annotations

import inspect

import pytest
from sse_starlette import ServerSentEvent
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from streampay_gateway.http.serving import GuardedHttpToolsProtocol
from streampay_gateway.views.stream import RecordEvent

pytestmark = pytest.mark.unit


def assigned(cls: type, *names: str) -> list[str]:
    """Which of ``self.<name>`` are not assigned anywhere in ``cls``'s own source."""
    source = inspect.getsource(cls)
    return [name for name in names if f"self.{name} =" not in source]


# -- sse-starlette -------------------------------------------------------------------------------


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
        "shutdown": ["self"],
    }
    for name, parameters in overridden.items():
        theirs = getattr(HttpToolsProtocol, name)
        assert list(inspect.signature(theirs).parameters) == parameters, name
        assert name in GuardedHttpToolsProtocol.__dict__, name


def test_uvicorns_request_cycle_keeps_its_send_flow_and_progress_flags() -> None:
    """The stream channel writes through ``cycle.send`` and waits on ``cycle.flow`` only when
    writing is paused (a full buffer); the guards read whether a response has begun or ended
    before answering 408."""
    missing = assigned(
        RequestResponseCycle,
        "scope",
        "transport",
        "flow",
        "disconnected",
        "response_started",
        "response_complete",
    )
    assert not missing, f"RequestResponseCycle no longer sets {missing}"
    assert not assigned(FlowControl, "write_paused"), "FlowControl no longer sets write_paused"
    assert inspect.iscoroutinefunction(FlowControl.drain)
    assert "write_paused" in inspect.getsource(RequestResponseCycle.send), (
        "send no longer waits only while writing is paused"
    )
    assert list(inspect.signature(RequestResponseCycle.send).parameters) == ["self", "message"]
    assert inspect.iscoroutinefunction(RequestResponseCycle.send)
