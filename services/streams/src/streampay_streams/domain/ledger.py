"""Posting one ledger entry to an account, and the entry itself.

A posting changes the balance and its version; what else follows from it (the balance views,
the statements) is built from the posting's event by the projections.
"""

from __future__ import annotations

from decimal import Decimal

from streampay_contracts import SYSTEM_BANK, Transaction, TransactionKind, Visibility
from streampay_streams.domain.account import Account


def post(account: Account, amount: Decimal) -> Account:
    """Apply ``amount`` (negative = out) to the account; the caller checked it stays >= 0."""
    return account.change(balance=account.balance + amount, version=account.version + 1)


def leg(
    entry_id: str,
    owner: str,
    counterparty: str,
    amount: Decimal,
    cause: str,
    at: int,
    *,
    notes: str = "",
    request_id: str | None = None,
    visibility: Visibility = Visibility.PRIVATE,
) -> Transaction:
    """One ledger entry; a deposit when the counterparty is the bank, else a transfer."""
    return Transaction(
        id=entry_id,
        owner_id=owner,
        user_id=counterparty,
        amount=amount,
        kind=TransactionKind.DEPOSIT if counterparty == SYSTEM_BANK else TransactionKind.TRANSFER,
        command_id=cause,
        timestamp=at,
        notes=notes,
        request_id=request_id,
        visibility=visibility,
    )
