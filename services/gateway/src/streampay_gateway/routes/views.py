"""The live views over Server-Sent Events (ARCHITECTURE §6).

Every stream sends the current state, then `event: ready` (data `{}`), then each change as it
happens. Event data is the record value exactly as on its topic; a key leaving a view is
`event: delete` with data `{"key": ...}`. Ids resume with `Last-Event-ID` on any gateway
instance with nothing missed and nothing twice. Heartbeat comments come every 15 s;
`event: token-expiring` (data `{"expiresAt": <epoch s>}`) comes a minute before the token
expires, and the stream ends at expiry: renew the token and reconnect with the last id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from streampay_contracts import Problem
from streampay_gateway.auth.security import (
    StreamAuthenticated,
    StreamReadActivities,
    StreamReadBalances,
    StreamReadPaymentRequests,
    forbidden,
)
from streampay_gateway.http.problems import ProblemError
from streampay_gateway.views.catalog import VIEWS, View
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


@router.get("/activities", summary="Live public feed: the payments their payers made public")
async def activities(
    principal: StreamReadActivities,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """The public activity feed: public payments only (a private payment, a deposit or a
    request is never on it; its parties see it on `/my-activities`). A fresh connect gets the
    most recent activities (50 by default), not the whole history; a resumed one gets exactly
    what it missed."""
    return await open_stream(hub, principal, [VIEWS["activities"]], last_event_id or resume)


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


@router.get("/payment-requests", summary="Live open payment requests addressed to me")
async def payment_requests(
    principal: StreamReadPaymentRequests,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """Each open request asking the caller to pay (`PaymentRequest`). When one is paid,
    declined or cancelled, `event: delete` with its id as `key` (drives the badge)."""
    view = VIEWS["payment-requests"]
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


@router.get("/current-balance", summary="Live balance of the caller")
async def current_balance(
    principal: StreamReadBalances,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """`{"balance", "timestamp", "version"}` now and after every change; send `version` back
    as `If-Match` to make a payment conditional on the balance you saw."""
    view = VIEWS["current-balance"]
    return await open_stream(hub, principal, [view], last_event_id or resume)


@router.get("/balance-histories", summary="Live history of the caller's balance")
async def balance_histories(
    principal: StreamReadBalances,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """Every change of the caller's balance (drives the chart). A fresh connect gets the most
    recent changes (up to 500 by default), then each new one."""
    view = VIEWS["balance-histories"]
    return await open_stream(hub, principal, [view], last_event_id or resume)


@router.get("/statements", summary="Live statements of the caller: money in and out")
async def statements(
    principal: StreamReadBalances,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """One `Statement` per hour and per day window (UTC) in which the caller's money moved,
    each replaced as its window fills: `{"userId", "period", "start", "end", "moneyIn",
    "moneyOut", "count", "timestamp"}`."""
    view = VIEWS["statements"]
    return await open_stream(hub, principal, [view], last_event_id or resume)


@router.get("/total-transactions", summary="Live number of payments made")
async def total_transactions(
    principal: StreamReadBalances,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """`{"total", "timestamp"}`: how many transfers StreamPay has made."""
    view = VIEWS["total-transactions"]
    return await open_stream(hub, principal, [view], last_event_id or resume)


@router.get("/average-transactions", summary="Live average payment amount")
async def average_transactions(
    principal: StreamReadBalances,
    hub: Hub,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """`{"average", "timestamp"}`: the average transfer amount, rounded to cents."""
    view = VIEWS["average-transactions"]
    return await open_stream(hub, principal, [view], last_event_id or resume)


ViewNames = Annotated[
    str,
    Query(
        description="Comma-separated views: " + ", ".join(VIEWS),
        examples=["current-balance,payment-requests,activities"],
    ),
]


@router.get("/streams", summary="Several live views on one connection")
async def streams(
    principal: StreamAuthenticated,
    hub: Hub,
    views: ViewNames,
    last_event_id: LastEventId = None,
    resume: ResumeFrom = None,
) -> EventStream:
    """One connection carrying several views, because a browser allows only 6 HTTP/1.1
    connections per origin and each `EventSource` holds one open.

    Each event names its view: `event: current-balance`, and `event: payment-requests.delete`
    for a key leaving a view. One `event: ready` follows the initial state of all views. The
    event id holds the position in every view, so `Last-Event-ID` resumes all of them; it must
    come from a stream of the same views. The token needs the scope of each view."""
    selected = _views(views)
    for view in selected:
        if view.scope not in principal.scopes:
            raise forbidden(f"the view {view.name!r} needs the scope '{view.scope}'", view.scope)
    resume_from = last_event_id or resume
    return await open_stream(hub, principal, selected, resume_from, multiplexed=True)


def _views(names: str) -> list[View]:
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    unknown = sorted(wanted - set(VIEWS))
    if unknown or not wanted:
        known = ", ".join(VIEWS)
        detail = f"views must name one or more of {known}" + (
            f"; unknown: {', '.join(unknown)}" if unknown else ""
        )
        raise ProblemError(Problem.bad_request(detail))
    return [VIEWS[name] for name in sorted(wanted)]
