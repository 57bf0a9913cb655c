"""Lines of the public activity feed, with both users' names joined in.

Payments and deposits are keyed by the user they belong to (``PaymentSent`` by the payer,
``PaymentReceived`` by the payee, ``DepositReceived`` by the user credited); request events are
keyed by the request id, as the original demo did. Every line has an id derived from its cause,
so a line delivered twice is recognisable.
"""

from __future__ import annotations

from decimal import Decimal

from streampay_contracts import Activity, ActivityEvent, PaymentRequest, topics
from streampay_streams.domain import ids
from streampay_streams.domain.context import Context
from streampay_streams.domain.effects import Emit


def transfer(
    event: ActivityEvent,
    cause: str,
    amount: Decimal,
    payer: str,
    payee: str,
    at: int,
    ctx: Context,
    *,
    notes: str = "",
    request_id: str | None = None,
) -> Activity:
    """A line about money moving from ``payer`` to ``payee`` (the bank, for a deposit)."""
    return Activity(
        id=ids.activity_id(cause, event),
        event_name=event,
        amount=amount,
        from_user_id=payer,
        from_user_name=ctx.name(payer),
        to_user_id=payee,
        to_user_name=ctx.name(payee),
        timestamp=at,
        notes=notes,
        request_id=request_id,
    )


def about_request(
    event: ActivityEvent, cause: str, request: PaymentRequest, at: int, notes: str | None = None
) -> Emit:
    """A line about a request, keyed by its id; the parties as the request names them."""
    activity = Activity(
        id=ids.activity_id(cause, event),
        event_name=event,
        amount=request.amount,
        from_user_id=request.from_user_id,
        from_user_name=request.from_user_name,
        to_user_id=request.to_user_id,
        to_user_name=request.to_user_name,
        timestamp=at,
        notes=request.notes if notes is None else notes,
        request_id=request.id,
        status=request.status,
    )
    return Emit.of(topics.ACTIVITIES, request.id, activity)


def keyed_by(owner: str, activity: Activity) -> Emit:
    return Emit.of(topics.ACTIVITIES, owner, activity)
