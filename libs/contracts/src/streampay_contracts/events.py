"""The write model's events: every fact it records, named in the past tense, defined once.

An event belongs to one account's stream: ``user_id`` is the account that recorded it (the
record's key on ``events``), and ``seq`` its place in that stream (1, 2, 3, ...), so a reader
applies each event once and in order however often it is delivered. ``id`` is derived from the
command that caused it (``<correlation id>:<type>``), so a copy is recognisable anywhere.
``v`` is the event's schema version; a schema evolves by adding optional fields, and a change
that cannot be read by an older projection gets a new version number.

Events carry what their projections need and nothing they would have to look up: the balance
after a posting, the parties' names as they were when the command was decided, the payer's
running totals. The ledger legs on ``transactions`` stay the money events the audit replays;
these events tell the rest of the story.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from streampay_contracts import codec
from streampay_contracts.base import WireModel
from streampay_contracts.fields import (
    CommandId,
    Count,
    DisplayName,
    EpochMillis,
    Notes,
    RequestId,
    UserId,
    Username,
    Visibility,
)
from streampay_contracts.money import Amount, Money
from streampay_contracts.views import PaymentRequest

EVENT_SCHEMA_VERSION = 1

_Name = Annotated[str, Field(max_length=100)]


class EventBase(WireModel):
    """What every event carries."""

    id: str = Field(min_length=1, max_length=200)
    """``<id of the cause>:<type>``: the same for every copy of the event."""
    user_id: UserId
    """The account whose stream this event is in."""
    seq: Count
    """The event's place in that account's stream, from 1."""
    at: EpochMillis
    """When the command (or the leg) that caused it was written."""
    cause: CommandId
    """The correlation id of the command that caused it (``signup:<user>`` for the grant)."""
    v: int = EVENT_SCHEMA_VERSION


class Posted(EventBase):
    """An event that changed the account's balance: the balance after it, and its version."""

    amount: Amount
    balance: Money
    version: Count
    notes: Notes = ""


class Deposited(Posted):
    """Money entered the account from the bank: a deposit, or the grant at sign-up."""

    type: Literal["Deposited"] = "Deposited"
    user_name: _Name


class PaymentSent(Posted):
    """The account paid ``payee_id``; ``payments`` and ``paid`` are its running totals."""

    type: Literal["PaymentSent"] = "PaymentSent"
    payer_name: _Name
    payee_id: UserId
    payee_name: _Name
    request_id: RequestId | None = None
    payments: Count
    paid: Money
    visibility: Visibility = Visibility.PRIVATE


class PaymentReceived(Posted):
    """The account was credited by ``payer_id``'s payment."""

    type: Literal["PaymentReceived"] = "PaymentReceived"
    payer_id: UserId
    payer_name: _Name
    payee_name: _Name
    request_id: RequestId | None = None
    visibility: Visibility = Visibility.PRIVATE


class RequestOpened(EventBase):
    """A request addressed to this account (the payer) was opened."""

    type: Literal["RequestOpened"] = "RequestOpened"
    request: PaymentRequest


class RequestClosing(EventBase):
    """A request addressed to this account was closed; ``request`` has its final status."""

    request: PaymentRequest
    notes: Notes | None = None
    """What the closing said (a decline's reason); None: the request's own notes."""


class RequestPaid(RequestClosing):
    type: Literal["RequestPaid"] = "RequestPaid"


class RequestDeclined(RequestClosing):
    type: Literal["RequestDeclined"] = "RequestDeclined"


class RequestCancelled(RequestClosing):
    type: Literal["RequestCancelled"] = "RequestCancelled"


class ProfileChanged(EventBase):
    """The account's owner set their name and username (the username is theirs alone)."""

    type: Literal["ProfileChanged"] = "ProfileChanged"
    name: DisplayName
    username: Username
    previous_username: Username | None = None


Event = Annotated[
    Deposited
    | PaymentSent
    | PaymentReceived
    | RequestOpened
    | RequestPaid
    | RequestDeclined
    | RequestCancelled
    | ProfileChanged,
    Field(discriminator="type"),
]
"""Any event of the log: the value of a record on ``events``, its ``type`` said inside."""

EVENT: TypeAdapter[Event] = TypeAdapter(Event)
"""Reads an event of any type (``EVENT.validate_python(codec.loads(value))``)."""


def event_id(cause: str, event_type: str) -> str:
    return f"{cause}:{event_type}"


def decode_event(value: bytes) -> Event:
    """The event in a record's value; ``ValueError`` when it is not one."""
    return EVENT.validate_python(codec.loads(value))
