"""Commands: what a user asks StreamPay to do, written to the ``commands`` topic.

A command is an order, not a fact: the streams service may still refuse it. The acting user
is never in the body; it travels in the ``zilla:identity`` header, set by the gateway from the
verified token. The command's type travels in ``zilla:domain-model`` (see :class:`DomainModel`),
as in the original Zilla-based demo, so either gateway can sit in front of the streams service.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Self

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from streampay_contracts.base import InboundModel
from streampay_contracts.fields import (
    DisplayName,
    Notes,
    RequestId,
    UserId,
    Username,
    Visibility,
)
from streampay_contracts.money import Amount


class DomainModel(StrEnum):
    """Command type names exactly as carried in the ``zilla:domain-model`` header."""

    PAY = "PayCommand"
    REQUEST = "RequestCommand"
    DECLINE_REQUEST = "DeclineRequestCommand"
    CANCEL_REQUEST = "CancelRequestCommand"
    DEPOSIT = "DepositCommand"
    PROFILE = "UserProfile"


class Command(InboundModel):
    """Base of every command; :attr:`domain_model` is the header value that names it."""

    domain_model: ClassVar[DomainModel]


class PayCommand(Command):
    """Send ``amount`` from the caller to ``user_id`` (``POST /pay``).

    With ``request_id`` it pays an open request addressed to the caller, and the amount must
    equal the requested amount. A payment is private unless ``visibility`` is ``public``; the
    payment of a request is private, like the request.
    """

    domain_model = DomainModel.PAY

    user_id: UserId
    """The payee."""
    amount: Amount
    notes: Notes = ""
    request_id: RequestId | None = None
    visibility: Visibility = Visibility.PRIVATE
    """``private``: only the payer and the payee see it; ``public``: on everyone's feed."""

    @model_validator(mode="after")
    def _request_payments_are_private(self) -> Self:
        if self.request_id is not None and self.visibility is not Visibility.PRIVATE:
            raise _never_public("the payment of a request")
        return self


class RequestCommand(Command):
    """Ask ``user_id`` to pay the caller ``amount`` (``POST /request``)."""

    domain_model = DomainModel.REQUEST

    user_id: UserId
    """The payer being asked."""
    amount: Amount
    notes: Notes = ""
    visibility: Visibility = Visibility.PRIVATE
    """Always ``private``: a request is seen by its two parties only."""

    @model_validator(mode="after")
    def _private(self) -> Self:
        if self.visibility is not Visibility.PRIVATE:
            raise _never_public("a request")
        return self


def _never_public(what: str) -> PydanticCustomError:
    return PydanticCustomError(
        "never_public",
        "{what} is always private: its two parties see it, no one else",
        {"what": what},
    )


class DeclineRequestCommand(Command):
    """The payer refuses an open request addressed to them."""

    domain_model = DomainModel.DECLINE_REQUEST

    request_id: RequestId
    reason: Notes = ""


class CancelRequestCommand(Command):
    """The requester withdraws an open request they made."""

    domain_model = DomainModel.CANCEL_REQUEST

    request_id: RequestId


class DepositCommand(Command):
    """Credit ``user_id`` with new money from the funding account ``system|bank``.

    Only the trusted identity ``system|bank`` may send it (the simulator's top-ups, operator
    tools); the streams service refuses it from anyone else, and the gateway never accepts it
    from a browser. Signup grants are not commands: the streams service records them itself
    when a user first appears on ``users``.
    """

    domain_model = DomainModel.DEPOSIT

    user_id: UserId
    """The account credited."""
    amount: Amount
    notes: Notes = ""


class UserProfile(Command):
    """Set the caller's name and username (``PUT /current-user``); the id is always the caller's.

    A username belongs to one user at a time: the streams service refuses one that another user
    holds (409), and frees the caller's previous one. A name may not pass for StreamPay's own
    accounts (400).
    """

    domain_model = DomainModel.PROFILE

    name: DisplayName
    username: Username


COMMAND_MODELS: Mapping[DomainModel, type[Command]] = MappingProxyType(
    {
        model.domain_model: model
        for model in (
            PayCommand,
            RequestCommand,
            DeclineRequestCommand,
            CancelRequestCommand,
            DepositCommand,
            UserProfile,
        )
    }
)
"""The model class of each command type, for decoding a message from its header."""


def command_model(domain_model: str) -> type[Command]:
    """The model for a ``zilla:domain-model`` header value; ValueError if it names none."""
    try:
        return COMMAND_MODELS[DomainModel(domain_model)]
    except ValueError:
        known = ", ".join(DomainModel)
        raise ValueError(
            f"unknown domain model {domain_model!r}; expected one of {known}"
        ) from None
