"""The inputs a decision is made on, already parsed and checked by the worker.

Each names its ``owner``: the user whose account decides, which is always the key of the
record it came in on, so the account is read and written in that user's partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from streampay_contracts import Command, Transaction, User
from streampay_streams.domain.effects import Origin
from streampay_streams.domain.messages import CancelRequest, Message, ReplyAddress

COMMANDS_VIA = "commands"
CREDITS_VIA = "transactions"
ROUTED_VIA = "requests"


class Asking(Protocol):
    """Something that must be answered: a command, or a cancel routed to the payer."""

    @property
    def address(self) -> ReplyAddress: ...
    @property
    def at(self) -> int: ...
    @property
    def origin(self) -> Origin: ...
    @property
    def via(self) -> str: ...
    @property
    def correlation_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CommandInput:
    """A well-formed command; the owner is the acting user, or the account a deposit credits."""

    owner: str
    actor: str
    command: Command
    address: ReplyAddress
    at: int
    origin: Origin
    if_match: int | None = None

    @property
    def correlation_id(self) -> str:
        return self.address.correlation_id

    @property
    def via(self) -> str:
        return COMMANDS_VIA


@dataclass(frozen=True, slots=True)
class RoutedCancel:
    """A requester's cancel as the payer's partition answers it."""

    message: CancelRequest
    origin: Origin

    @property
    def address(self) -> ReplyAddress:
        return self.message.reply_to

    @property
    def at(self) -> int:
        return self.message.at

    @property
    def correlation_id(self) -> str:
        return self.message.reply_to.correlation_id

    @property
    def via(self) -> str:
        return ROUTED_VIA


@dataclass(frozen=True, slots=True)
class CreditInput:
    """The credit leg of a transfer, applied to the payee in the payee's partition."""

    owner: str
    leg: Transaction
    origin: Origin
    """Where the payment was decided, from the leg's ``streampay-origin`` header."""


@dataclass(frozen=True, slots=True)
class SignupInput:
    """A profile on ``users``: a user's first one brings the signup grant."""

    owner: str
    user: User
    at: int


@dataclass(frozen=True, slots=True)
class RoutedInput:
    """A message routed to the owner's partition by another partition."""

    owner: str
    message: Message
    origin: Origin
    """Where the message was caused, from its ``streampay-origin`` header."""
    position: Origin
    """Where the message itself is (the routing topic's partition and offset), the origin of
    what deciding it causes in turn."""


Input = CommandInput | CreditInput | SignupInput | RoutedInput
