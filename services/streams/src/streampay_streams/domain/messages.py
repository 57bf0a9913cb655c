"""Records the worker routes between partitions on its internal topics.

A decision about a payment request is always made in the payer's partition, but a request is
made and cancelled by the requester, whose partition may be another one. These records carry
such commands there, and bring the outcome back to the requester. They are internal to the
streams service and never read by anyone else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from streampay_contracts import PaymentRequest, RequestStatus, WireModel
from streampay_contracts.fields import EpochMillis, RequestId, UserId


class ReplyAddress(WireModel):
    """Where and how the one reply to a command goes; travels with routed commands."""

    topic: str
    key: str
    correlation_id: str
    identity: str | None = None
    idempotency_key: str | None = None


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


class Routed(WireModel):
    """The value of every record on the requests topic."""

    message: OpenRequest | CancelRequest | RequestClosed = Field(discriminator="kind")
