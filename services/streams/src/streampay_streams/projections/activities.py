"""``activities``: the public feed, one line per thing that happened, names joined in.

Payments and deposits are keyed by the user they belong to (``PaymentSent`` by the payer,
``PaymentReceived`` by the payee, ``DepositReceived`` by the user credited); request lines are
keyed by the request id, as the original demo did. A line's id is derived from its cause, so a
line delivered twice is recognisable.
"""

from __future__ import annotations

from streampay_contracts import SYSTEM_BANK, Activity, ActivityEvent, topics
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
    line = _line(event)
    return [] if line is None else [line]


def _line(event: Event) -> ViewRecord | None:
    if isinstance(event, Deposited):
        name = ActivityEvent.DEPOSIT_RECEIVED
        parties = (SYSTEM_BANK, BANK_NAME, event.user_id, event.user_name)
        return _transfer(event, name, event.user_id, parties, None)
    if isinstance(event, PaymentSent):
        name = ActivityEvent.PAYMENT_SENT
        parties = (event.user_id, event.payer_name, event.payee_id, event.payee_name)
        return _transfer(event, name, event.user_id, parties, event.request_id)
    if isinstance(event, PaymentReceived):
        name = ActivityEvent.PAYMENT_RECEIVED
        parties = (event.payer_id, event.payer_name, event.user_id, event.payee_name)
        return _transfer(event, name, event.user_id, parties, event.request_id)
    if isinstance(event, RequestOpened):
        return _about_request(event, ActivityEvent.PAYMENT_REQUESTED, None)
    if isinstance(event, RequestClosing):
        return _about_request(event, _CLOSING[type(event)], event.notes)
    return None


def _transfer(
    event: Deposited | PaymentSent | PaymentReceived,
    name: ActivityEvent,
    owner: str,
    parties: tuple[str, str, str, str],
    request_id: str | None,
) -> ViewRecord:
    """A line about money moving from the first party to the second (the bank: a deposit)."""
    from_id, from_name, to_id, to_name = parties
    line = Activity(
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
    )
    return ViewRecord(topics.ACTIVITIES, owner, line)


def _about_request(
    event: RequestOpened | RequestClosing, name: ActivityEvent, notes: str | None
) -> ViewRecord:
    """A line about a request, keyed by its id; the parties as the request names them."""
    request = event.request
    line = Activity(
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
    return ViewRecord(topics.ACTIVITIES, request.id, line)
