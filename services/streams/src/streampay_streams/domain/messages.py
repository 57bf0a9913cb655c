"""Messages the worker routes between partitions on its internal topic.

A decision about a payment request is always made in the payer's partition, but a request is
made and cancelled by the requester, whose partition may be another one. These records carry
such commands there, and bring the outcome back to the requester. They are internal to the
streams service and never read by anyone else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from streampay_contracts import PaymentRequest, RequestStatus, WireModel
from streampay_contracts.fields import DisplayName, EpochMillis, RequestId, UserId, Username


class ReplyAddress(WireModel):
    """Where and how the one reply to a command goes; travels with routed commands."""

    topic: str
    key: str
    correlation_id: str
    identity: str | None = None
    idempotency_key: str | None = None
    fingerprint: str | None = None
    """What the command asked for (a hash of its body), so a second command under the same
    correlation id that asks for something else is told so (422)."""


class OpenRequest(WireModel):
    """To the payer: record this new request addressed to you, and answer the requester."""

    kind: Literal["open"] = "open"
    request: PaymentRequest
    reply_to: ReplyAddress


class CancelRequest(WireModel):
    """To the payer: the requester withdraws this request, if it is still open."""

    kind: Literal["cancel"] = "cancel"
    request_id: RequestId
    requester: UserId
    reply_to: ReplyAddress
    at: EpochMillis


class RequestClosed(WireModel):
    """To the requester: this request is no longer open (``status`` None: it never opened)."""

    kind: Literal["closed"] = "closed"
    request_id: RequestId
    status: RequestStatus | None = None


class ClaimUsername(WireModel):
    """To a username's registry entry: ``owner`` wants this username, with this name."""

    kind: Literal["claim"] = "claim"
    username: Username
    name: DisplayName
    owner: UserId
    reply_to: ReplyAddress
    at: EpochMillis


class UsernameGranted(WireModel):
    """To the owner: the username is yours; save the profile and answer the command."""

    kind: Literal["granted"] = "granted"
    username: Username
    name: DisplayName
    reply_to: ReplyAddress
    at: EpochMillis


class ReleaseUsername(WireModel):
    """To a username's registry entry: ``owner`` no longer holds this username."""

    kind: Literal["release"] = "release"
    username: Username
    owner: UserId


Message = (
    OpenRequest | CancelRequest | RequestClosed | ClaimUsername | UsernameGranted | ReleaseUsername
)
"""Everything one account tells another's partition."""


class Routed(WireModel):
    """The value of every record on the internal routing topic."""

    message: Message = Field(discriminator="kind")
