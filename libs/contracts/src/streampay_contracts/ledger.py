"""The ledger: one entry per leg of money movement, on the ``transactions`` topic.

``transactions`` is StreamPay's source of truth. Balances are a view of it: replaying the
topic rebuilds every balance. Money enters only by deposit (one leg, credited from the funding
account ``system|bank``, which holds no balance) and moves only by transfer (two legs with
opposite amounts, one per account). So at rest the sum of all balances equals the sum of all
deposits, and each balance equals the sum of its account's entries.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from streampay_contracts.base import WireModel
from streampay_contracts.fields import (
    SYSTEM_BANK,
    CommandId,
    EntryId,
    EpochMillis,
    Notes,
    RequestId,
    UserId,
    Visibility,
    is_system_user,
)
from streampay_contracts.money import SignedAmount


class TransactionKind(StrEnum):
    """Why money moved: new money from the bank, or money from one user to another."""

    DEPOSIT = "deposit"
    TRANSFER = "transfer"


class Transaction(WireModel):
    """One leg: ``amount`` added to (or, when negative, taken from) ``owner_id``'s account.

    Keyed by ``owner_id``. The model refuses entries that break the ledger's shape: a deposit
    credits a user from ``system|bank``; a transfer moves money between two user accounts;
    nobody moves money to themselves.
    """

    id: EntryId
    owner_id: UserId
    """The account this leg changes."""
    user_id: UserId
    """The counterparty: the other user of a transfer, or ``system|bank`` for a deposit."""
    amount: SignedAmount
    kind: TransactionKind
    command_id: CommandId
    """The correlation id of the command that caused this entry."""
    timestamp: EpochMillis
    request_id: RequestId | None = None
    """The payment request this transfer settled, if any."""
    notes: Notes = ""
    visibility: Visibility = Visibility.PRIVATE
    """A transfer's visibility, as the payment asked, so the payee's side records it too."""

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if is_system_user(self.owner_id):
            raise _invalid("a ledger entry cannot belong to a system account")
        if self.owner_id == self.user_id:
            raise _invalid("a ledger entry cannot move money between an account and itself")
        if self.kind is TransactionKind.DEPOSIT:
            _check_deposit(self)
        elif is_system_user(self.user_id):
            raise _invalid("a transfer must be between two user accounts")
        return self


def _check_deposit(entry: Transaction) -> None:
    if entry.user_id != SYSTEM_BANK:
        raise _invalid(f"a deposit must come from {SYSTEM_BANK}")
    if entry.amount < 0:
        raise _invalid("a deposit must credit the account, not debit it")


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_ledger_entry", message)
