"""The data of a stream's own events, and each stream's events in the OpenAPI document.

OpenAPI 3.1 has no type for a stream of Server-Sent Events, so a stream's ``text/event-stream``
answer is described as the sequence of its events: each item is one event, with its ``event``
name (none for a record of a single view), its ``id`` (the resume point for ``Last-Event-ID``;
the initial state's events have none) and its ``data``, the JSON text of the model shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from streampay_contracts import WireModel
from streampay_gateway.http.openapi import schema_ref
from streampay_gateway.views.catalog import VIEWS, View

DESCRIPTION = (
    "A `text/event-stream`: the initial state, `event: ready`, then every change, heartbeat "
    "comments, `event: token-expiring` a minute before the token expires and the end of the "
    "stream at expiry. Described here as the sequence of its events (`event`, `id`, `data`)."
)


class StreamReady(WireModel):
    """``event: ready``: the initial state has been sent; live changes follow."""


class KeyDeleted(WireModel):
    """A key left the view (a request was paid, declined or cancelled): ``event: delete``."""

    key: str
    """The record's key: the request's id on ``payment-requests``."""


class TokenExpiring(WireModel):
    """``event: token-expiring``: renew the token and reconnect with the last event id."""

    expires_at: int = Field(ge=0)
    """When the token expires, in seconds since the epoch; the stream ends then."""


def stream_responses(names: Sequence[str], *, multiplexed: bool = False) -> dict[int | str, Any]:
    """The ``200`` answer of a stream of the views ``names`` (several on ``/streams``)."""
    views = [VIEWS[name] for name in names]
    events = [event for view in views for event in _view_events(view, multiplexed)]
    events.append(_event("ready", StreamReady, "After the initial state", identified=True))
    events.append(_event("token-expiring", TokenExpiring, "A minute before the token expires"))
    schema = {"type": "array", "items": {"oneOf": events}}
    return {200: {"description": DESCRIPTION, "content": {"text/event-stream": {"schema": schema}}}}


def _view_events(view: View, multiplexed: bool) -> list[dict[str, Any]]:
    record = view.name if multiplexed else None
    events = [_event(record, view.model, f"A record of `{view.name}`")]
    if not view.is_log:  # keys leave compacted views; logs only grow
        deleted = f"{view.name}.delete" if multiplexed else "delete"
        events.append(_event(deleted, KeyDeleted, f"A key left `{view.name}`"))
    return events


def _event(
    name: str | None, data: type[BaseModel], title: str, *, identified: bool = False
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "string", "description": "The position to resume from (Last-Event-ID)"},
        "data": schema_ref(data),
    }
    required = ["data"]
    if name is not None:
        properties = {"event": {"const": name}, **properties}
        required.insert(0, "event")
    if identified:
        required.append("id")
    return {"type": "object", "title": title, "properties": properties, "required": required}
