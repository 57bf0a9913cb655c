"""The caller's own live views: their activity with everything in it, and the requests they sent.

Same conventions as every live view (``routes/views.py``): current state or recent history,
``event: ready``, then each change; resumable with ``Last-Event-ID``; on ``/streams`` as
``my-activities`` and ``sent-requests``.
"""

from __future__ import annotations

from fastapi import APIRouter

from streampay_gateway.auth.security import StreamReadActivities, StreamReadPaymentRequests
from streampay_gateway.views.catalog import VIEWS
from streampay_gateway.views.sse import (
    STREAM_RESPONSES,
    EventStream,
    Hub,
    LastEventId,
    ResumeFrom,
    open_stream,
)

router = APIRouter(
    tags=["live views"], responses=STREAM_RESPONSES, default_response_class=EventStream
)


@router.get("/my-activities", summary="Live feed of everything the caller is a party to")
async def my_activities(
    principal: StreamReadActivities,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """Every payment, deposit and request the caller is a party to (`Activity`), private ones
    with their amount and notes, which the public `/activities` never has. A fresh connect gets
    the caller's most recent lines (up to 500 by default), then each new one."""
    view = VIEWS["my-activities"]
    return await open_stream(hub, principal, [view], last_event_id or resume)


@router.get("/sent-requests", summary="Live requests the caller sent, with their status")
async def sent_requests(
    principal: StreamReadPaymentRequests,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """Every request the caller made (`PaymentRequest`), replaced as its `status` moves from
    `pending` to `paid`, `declined` or `cancelled`; a closed request stays with its final
    status. The same list on every device."""
    view = VIEWS["sent-requests"]
    return await open_stream(hub, principal, [view], last_event_id or resume)
