"""Views: the records the read side streams to browsers, one model per topic.

The streams service derives every view from commands and the ledger; the gateway only
relays them. Each model's docstring names its topic and key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import Field

from streampay_contracts.base import WireModel
from streampay_contracts.fields import (
    Count,
    DisplayName,
    EntryId,
    EpochMillis,
    Notes,
    RequestId,
    UserId,
    Username,
    Visibility,
)
from streampay_contracts.money import Amount, Money

TOTALS_KEY = "total-transaction"
"""The single key of the ``total-transactions`` and ``average-transactions`` topics."""


class Balance(WireModel):
    """A user's balance (``balances``, compacted, and every change on ``balance-histories``).

    Keyed by user id. ``version`` counts the changes to this user's balance; a client sends it
    back as ``If-Match`` to make a command conditional on the balance it last saw.
    """

    balance: Money
    timestamp: EpochMillis
    version: Count


class User(WireModel):
    """A user's public profile (``users``, compacted, keyed by user id)."""

    id: UserId
    name: DisplayName
    username: Username


class RequestStatus(StrEnum):
    """Where a payment request stands; only ``pending`` requests can be paid or answered."""

    PENDING = "pending"
    PAID = "paid"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class PaymentRequest(WireModel):
    """One user asking another for money (``payment-requests``, compacted, keyed by id).

    The record is replaced by a tombstone once the request is no longer open; the final state
    is still told by the reply to the command that closed it and by ``activities``.
    """

    id: RequestId
    from_user_id: UserId
    """The requester, who will receive the money."""
    from_user_name: str = Field(max_length=100)
    to_user_id: UserId
    """The user asked to pay."""
    to_user_name: str = Field(max_length=100)
    amount: Amount
    notes: Notes = ""
    timestamp: EpochMillis
    status: RequestStatus = RequestStatus.PENDING


class ActivityEvent(StrEnum):
    """What happened, in the past tense, as the activity feed shows it."""

    PAYMENT_SENT = "PaymentSent"
    PAYMENT_RECEIVED = "PaymentReceived"
    PAYMENT_REQUESTED = "PaymentRequested"
    PAYMENT_REQUEST_PAID = "PaymentRequestPaid"
    PAYMENT_REQUEST_DECLINED = "PaymentRequestDeclined"
    PAYMENT_REQUEST_CANCELLED = "PaymentRequestCancelled"
    DEPOSIT_RECEIVED = "DepositReceived"


class Activity(WireModel):
    """One line of an activity feed: the public one (``activities``, keyed by owner), or a
    party's own (``user-activities``, keyed by that party).

    The public feed has the public payments only; a user's own feed has every line about them,
    private ones with their amount and notes. For payments and deposits ``from_*`` is where the
    money comes from (``system|bank`` for a deposit) and ``to_*`` where it goes. Request events
    copy the request's parties, as :class:`PaymentRequest` names them: ``from_*`` the requester,
    ``to_*`` the user asked to pay.
    """

    event_name: ActivityEvent
    amount: Money
    from_user_id: UserId
    from_user_name: str = Field(max_length=100)
    to_user_id: UserId
    to_user_name: str = Field(max_length=100)
    timestamp: EpochMillis
    request_id: RequestId | None = None
    notes: Notes = ""
    status: RequestStatus | None = None
    """The request's status after this event, for request events."""
    visibility: Visibility | None = None
    """Payments: who may see it (``private``: its two parties only)."""
    id: EntryId | None = None
    """Unique per line (``<command id>:<event>``): a line delivered twice, e.g. re-sent after a
    worker crash, has the same id, so a reader shows it once."""


class TotalTransactions(WireModel):
    """How many transfers StreamPay has made (``total-transactions``, key ``TOTALS_KEY``)."""

    total: Count
    timestamp: EpochMillis


class AverageTransactions(WireModel):
    """The average transfer amount (``average-transactions``, key ``TOTALS_KEY``).

    A JSON object rather than the original's bare string, rounded to cents with
    :func:`~streampay_contracts.money.round_to_cents`.
    """

    average: Money
    timestamp: EpochMillis


class StatementPeriod(StrEnum):
    """The length of a statement window; windows are UTC and start on the hour or at midnight."""

    HOUR = "hour"
    DAY = "day"


_PERIOD_MS = {StatementPeriod.HOUR: 3_600_000, StatementPeriod.DAY: 86_400_000}


class Statement(WireModel):
    """One user's money in and out over one window (``statements``, compacted).

    Keyed by :func:`statement_key`, so each window has one current record, replaced as the
    window fills. ``start`` and ``end`` are ISO-8601 UTC instants (``2026-11-22T14:00:00Z``),
    ``end`` exclusive. Every ledger entry of the user counts: transfers both ways and deposits.
    """

    user_id: UserId
    period: StatementPeriod
    start: str = Field(max_length=32)
    end: str = Field(max_length=32)
    money_in: Money
    money_out: Money
    count: Count
    """How many ledger entries fell in the window."""
    timestamp: EpochMillis
    """When the last of them happened."""


def window_bounds(period: StatementPeriod, epoch_ms: int) -> tuple[str, str]:
    """The ISO start and end of the ``period`` window holding the moment ``epoch_ms``."""
    length = _PERIOD_MS[period]
    start = epoch_ms - epoch_ms % length
    return _iso(start), _iso(start + length)


def statement_key(user_id: str, period: StatementPeriod, start: str) -> str:
    """The ``statements`` key of one window: ``<user id>|<hour|day>|<window start>``."""
    return f"{user_id}|{period}|{start}"


def _iso(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
