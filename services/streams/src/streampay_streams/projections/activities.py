"""``user-activities`` and ``activities``: one line per thing that happened, names joined in.

Privacy is decided here, once, for every reader: each line goes to the own feed
(``user-activities``) of each user it is about, keyed by that user, with everything in it; only
a *public* payment's lines also go to the public feed (``activities``). A private payment, a
deposit and every request never reach the public feed, so no route or view can show them to
anyone else, whatever it filters. Payment lines are keyed by the user they belong to
(``PaymentSent`` by the payer, ``PaymentReceived`` by the payee, ``DepositReceived`` by the user
credited); a request line goes to both its parties. A line's id is derived from its cause, so a
line delivered twice is recognisable.
"""

from __future__ import annotations

from streampay_contracts import SYSTEM_BANK, Activity, ActivityEvent, Visibility, topics
from streampay_contracts.events import (
    Deposited,
    Event,
    PaymentReceived,
    PaymentSent,
    RequestCancelled,
    RequestClosing,
    RequestDeclined,
    RequestOpened,
    RequestPaid,
)
from streampay_streams.domain.context import BANK_NAME
from streampay_streams.projections.views import ViewRecord

_CLOSING: dict[type[RequestClosing], ActivityEvent] = {
    RequestPaid: ActivityEvent.PAYMENT_REQUEST_PAID,
    RequestDeclined: ActivityEvent.PAYMENT_REQUEST_DECLINED,
    RequestCancelled: ActivityEvent.PAYMENT_REQUEST_CANCELLED,
}


def activity_id(cause: str, line: ActivityEvent) -> str:
    return f"{cause}:{line}"


def project(event: Event) -> list[ViewRecord]:
    if isinstance(event, RequestOpened | RequestClosing):
        line = _about_request(event)
        parties = (event.request.from_user_id, event.request.to_user_id)
        return [ViewRecord(topics.USER_ACTIVITIES, party, line) for party in parties]
    if not isinstance(event, Deposited | PaymentSent | PaymentReceived):
        return []
    line = _transfer(event)
    records = [ViewRecord(topics.USER_ACTIVITIES, event.user_id, line)]
    if line.visibility is Visibility.PUBLIC:
        records.append(ViewRecord(topics.ACTIVITIES, event.user_id, line))
    return records


def _transfer(event: Deposited | PaymentSent | PaymentReceived) -> Activity:
    """A line about money moving from one party to the other (from the bank: a deposit)."""
    if isinstance(event, Deposited):
        name, visibility = ActivityEvent.DEPOSIT_RECEIVED, None
        parties = (SYSTEM_BANK, BANK_NAME, event.user_id, event.user_name)
        request_id = None
    elif isinstance(event, PaymentSent):
        name, visibility = ActivityEvent.PAYMENT_SENT, event.visibility
        parties = (event.user_id, event.payer_name, event.payee_id, event.payee_name)
        request_id = event.request_id
    else:
        name, visibility = ActivityEvent.PAYMENT_RECEIVED, event.visibility
        parties = (event.payer_id, event.payer_name, event.user_id, event.payee_name)
        request_id = event.request_id
    from_id, from_name, to_id, to_name = parties
    return Activity(
        id=activity_id(event.cause, name),
        event_name=name,
        amount=event.amount,
        from_user_id=from_id,
        from_user_name=from_name,
        to_user_id=to_id,
        to_user_name=to_name,
        timestamp=event.at,
        notes=event.notes,
        request_id=request_id,
        visibility=visibility,
    )


def _about_request(event: RequestOpened | RequestClosing) -> Activity:
    """A line about a request; the parties as the request names them."""
    request = event.request
    if isinstance(event, RequestOpened):
        name, notes = ActivityEvent.PAYMENT_REQUESTED, None
    else:
        name, notes = _CLOSING[type(event)], event.notes
    return Activity(
        id=activity_id(event.cause, name),
        event_name=name,
        amount=request.amount,
        from_user_id=request.from_user_id,
        from_user_name=request.from_user_name,
        to_user_id=request.to_user_id,
        to_user_name=request.to_user_name,
        timestamp=event.at,
        notes=request.notes if notes is None else notes,
        request_id=request.id,
        status=request.status,
    )
